/**
 * The prediction overlay: the last viewport prediction coloured by {@link predictionRgba} and
 * drawn as one bitmap at the window's world bounds (its level's pixels are 2^level image pixels),
 * so it stays aligned with the pyramid at every zoom. Nearest filtering keeps masks crisp.
 */
import { BitmapLayer } from '@deck.gl/layers';
import { type PredictionView, predictionRgba, type ViewportPrediction } from './prediction-colors.ts';

export interface PredictionLayerOptions {
  id?: string;
  prediction: ViewportPrediction | null;
  view: PredictionView;
  opacity: number;
  visible: boolean;
}

const cache = new WeakMap<ViewportPrediction, Map<PredictionView, ImageData>>();

function imageOf(p: ViewportPrediction, view: PredictionView): ImageData {
  let byView = cache.get(p);
  if (!byView) {
    byView = new Map();
    cache.set(p, byView);
  }
  let image = byView.get(view);
  if (!image) {
    image = new ImageData(predictionRgba(p, view) as Uint8ClampedArray<ArrayBuffer>, p.shape[1], p.shape[0]);
    byView.set(view, image);
  }
  return image;
}

export function predictionLayer(o: PredictionLayerOptions): BitmapLayer | null {
  const p = o.prediction;
  if (!p) return null;
  const f = 2 ** p.level;
  const x0 = p.col0;
  const y0 = p.row0;
  const x1 = x0 + p.shape[1] * f;
  const y1 = y0 + p.shape[0] * f;
  return new BitmapLayer({
    id: o.id ?? 'sketchpose-prediction',
    image: imageOf(p, o.view),
    bounds: [x0, y1, x1, y0],
    opacity: o.opacity,
    visible: o.visible,
    pickable: false,
    textureParameters: { minFilter: 'nearest', magFilter: 'nearest' },
  });
}
