/**
 * The annotation overlay: one integer texture per painted tile of the `AnnotationStore` (full
 * resolution, the store's tile grid), drawn by {@link CodeTileLayer} at the tile's bounds in image
 * pixels, which are Viv's world coordinates at every pyramid level. Only tiles whose version
 * changed are re-uploaded; textures of tiles that became empty are destroyed, and all of them when
 * the layer is finalised.
 */
import { CompositeLayer, type DefaultProps } from '@deck.gl/core';
import type { Texture } from '@luma.gl/core';
import type { AnnotationStore } from '../engine/annotations/index.ts';
import { CodeTileLayer } from './code-tile-layer.ts';

/** Tile versions, bumped by whoever applies changes to the store (the plugin). */
export class TileVersions {
  private readonly versions = new Map<string, number>();
  private counter = 0;

  bump(tileRow: number, tileCol: number): void {
    this.versions.set(`${tileRow},${tileCol}`, ++this.counter);
  }

  get revision(): number {
    return this.counter;
  }

  entries(): IterableIterator<[string, number]> {
    return this.versions.entries();
  }
}

export interface AnnotationLayerProps {
  annotations: AnnotationStore;
  versions: TileVersions;
  /** redraw trigger: the versions' revision */
  revision: number;
}

interface TileTexture {
  texture: Texture;
  version: number;
}

interface State {
  textures: Map<string, TileTexture>;
}

type UpdateParams = Parameters<CompositeLayer<AnnotationLayerProps>['updateState']>[0];

const defaultProps: DefaultProps<AnnotationLayerProps> = {
  annotations: { type: 'object', value: null as unknown as AnnotationStore, compare: false },
  versions: { type: 'object', value: null as unknown as TileVersions, compare: false },
  revision: { type: 'number', value: 0 },
};

export class AnnotationLayer extends CompositeLayer<AnnotationLayerProps> {
  static override layerName = 'SketchposeAnnotationLayer';
  static override defaultProps = defaultProps;

  private get tileState(): State {
    return this.state as unknown as State;
  }

  override initializeState(): void {
    this.setState({ textures: new Map() });
  }

  override shouldUpdateState(params: UpdateParams): boolean {
    return params.changeFlags.somethingChanged;
  }

  override updateState(params: UpdateParams): void {
    super.updateState(params);
    this.syncTextures();
  }

  /** Uploads tiles whose version moved on; frees textures of tiles that are now empty. */
  private syncTextures(): void {
    const { annotations, versions } = this.props;
    if (!annotations || !versions) return;
    const device = this.context.device;
    const s = annotations.tileSize;
    const textures = this.tileState.textures;
    for (const [key, version] of versions.entries()) {
      const held = textures.get(key);
      if (held && held.version === version) continue;
      const [tileRow, tileCol] = key.split(',').map(Number) as [number, number];
      const data = annotations.readTile(tileRow, tileCol);
      if (!data) {
        held?.texture.destroy();
        textures.delete(key);
        continue;
      }
      if (held) {
        held.texture.copyImageData({ data, bytesPerRow: s, rowsPerImage: s });
        held.version = version;
      } else {
        const texture = device.createTexture({
          format: 'r8uint',
          width: s,
          height: s,
          data,
          sampler: {
            minFilter: 'nearest',
            magFilter: 'nearest',
            addressModeU: 'clamp-to-edge',
            addressModeV: 'clamp-to-edge',
          },
        });
        textures.set(key, { texture, version });
      }
    }
  }

  override finalizeState(): void {
    for (const t of this.tileState.textures.values()) t.texture.destroy();
    this.tileState.textures.clear();
    super.finalizeState(this.context);
  }

  override renderLayers() {
    const s = this.props.annotations?.tileSize ?? 256;
    const layers = [];
    for (const [key, t] of this.tileState.textures) {
      const [tileRow, tileCol] = key.split(',').map(Number) as [number, number];
      const x0 = tileCol * s;
      const y0 = tileRow * s;
      layers.push(
        new CodeTileLayer(
          this.getSubLayerProps({
            id: `tile-${key}`,
            image: t.texture,
            bounds: [x0, y0 + s, x0 + s, y0],
            pickable: false,
            // the version makes deck redraw this tile after an in-place texture update
            updateTriggers: { image: t.version },
          }),
        ),
      );
    }
    return layers;
  }
}
