/**
 * A host page that is not our app (as Vizarr would be): its own deck.gl `Deck`, its own Viv
 * `MultiscaleImageLayer` on the store, and Sketchpose attached to it with `attachSketchpose`.
 */
import { Deck, OrthographicView } from '@deck.gl/core';
import { loadOmeZarrFromStore, MultiscaleImageLayer } from '@hms-dbmi/viv';
import { AnnotationStore } from '../../src/engine/annotations/index.ts';
import { HttpStore } from '../../src/plugin/http-store.ts';
import { attachSketchpose, type SketchposeSession } from '../../src/plugin/sketchpose.ts';
import { initialState, StateStore } from '../../src/plugin/state.ts';

declare global {
  interface Window {
    host?: { deck: Deck<OrthographicView>; session: SketchposeSession };
  }
}

async function main(): Promise<void> {
  const store = new HttpStore(new URL('/store/', location.href).href);
  const { data } = await loadOmeZarrFromStore(store as Parameters<typeof loadOmeZarrFromStore>[0]);
  const [h, w] = data[0]!.shape.slice(-2) as [number, number];
  const parent = document.createElement('div');
  parent.style.cssText = 'position:absolute;inset:0';
  document.body.style.margin = '0';
  document.body.append(parent);
  const deck = new Deck<OrthographicView>({
    parent,
    views: new OrthographicView({ id: 'ortho', controller: true }),
    initialViewState: { target: [w / 2, h / 2, 0], zoom: 0 },
    layers: [],
  });
  const image = new MultiscaleImageLayer({
    id: 'host-image',
    loader: data,
    selections: [{}],
    contrastLimits: [[0, 80]],
    colors: [[255, 255, 255]],
    channelsVisible: [true],
    pickable: false,
  } as unknown as ConstructorParameters<typeof MultiscaleImageLayer>[0]);
  const state = new StateStore(initialState());
  parent.tabIndex = 0;
  const session = attachSketchpose(deck, {
    annotations: new AnnotationStore({ shape: [h, w], tileSize: 128 }),
    state,
    store,
    ngff: '0.4',
    container: parent,
    keyTarget: parent,
    baseLayers: () => [image as unknown as import('@deck.gl/core').Layer],
    selection: {},
  });
  window.host = { deck, session };
}

void main();
