/**
 * Colours a viewport prediction for display (RGBA, row-major): instance masks in n-colour fills
 * with outlines, the distance as a heatmap, the boundary probability, or the flow as hue
 * (direction) and value (magnitude). Pure functions over typed arrays.
 */

export type PredictionView = 'masks' | 'outlines' | 'distance' | 'boundary' | 'flow';

export interface ViewportPrediction {
  /** `[rows, cols]` of the predicted window at its level */
  shape: [number, number];
  /** pyramid level the window was predicted at (world units per pixel = 2^level) */
  level: number;
  /** window origin at full resolution (row, col) */
  row0: number;
  col0: number;
  distance: Float32Array;
  /** `[2, rows, cols]`: dy plane then dx plane */
  flow: Float32Array;
  /** boundary probability 0-1 */
  boundary: Float32Array;
  /** instance labels (0 background), when masks were computed */
  labels?: Int32Array;
  /** display colour index per label (ncolor), index 0 unused */
  colorOf?: Uint8Array;
  count: number;
  step: number;
}

const PALETTE: [number, number, number][] = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
];

function heat(t: number): [number, number, number] {
  // a compact inferno-like ramp: black → purple → orange → yellow
  const x = Math.min(1, Math.max(0, t));
  const r = Math.min(255, Math.round(255 * Math.min(1, x * 1.6)));
  const g = Math.round(255 * Math.max(0, x * 1.4 - 0.4));
  const b = Math.round(255 * Math.max(0, Math.sin(Math.PI * x) * 0.7 - Math.max(0, x - 0.8)));
  return [r, g, b];
}

function hsv(h: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6) % 6;
  const f = h * 6 - Math.floor(h * 6);
  const q = v * (1 - f);
  const t = v * f;
  const m: [number, number, number][] = [
    [v, t, 0],
    [q, v, 0],
    [0, v, t],
    [0, q, v],
    [t, 0, v],
    [v, 0, q],
  ];
  const [r, g, b] = m[i]!;
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

export function predictionRgba(p: ViewportPrediction, view: PredictionView): Uint8ClampedArray {
  const [rows, cols] = p.shape;
  const n = rows * cols;
  const out = new Uint8ClampedArray(n * 4);
  const put = (i: number, c: [number, number, number], a: number) => {
    out[4 * i] = c[0];
    out[4 * i + 1] = c[1];
    out[4 * i + 2] = c[2];
    out[4 * i + 3] = a;
  };
  if ((view === 'masks' || view === 'outlines') && p.labels) {
    const L = p.labels;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const l = L[i]!;
        if (l === 0) continue;
        const edge =
          (c > 0 && L[i - 1] !== l) ||
          (c < cols - 1 && L[i + 1] !== l) ||
          (r > 0 && L[i - cols] !== l) ||
          (r < rows - 1 && L[i + cols] !== l);
        if (edge) put(i, [255, 255, 255], 255);
        else if (view === 'masks') {
          const k = p.colorOf ? p.colorOf[l]! : l;
          put(i, PALETTE[k % PALETTE.length]!, 170);
        }
      }
    }
    return out;
  }
  if (view === 'distance' || view === 'masks' || view === 'outlines') {
    let max = 1e-6;
    for (let i = 0; i < n; i++) max = Math.max(max, p.distance[i]!);
    for (let i = 0; i < n; i++) {
      const d = p.distance[i]!;
      if (d <= 0) continue;
      put(i, heat(d / max), 200);
    }
    return out;
  }
  if (view === 'boundary') {
    for (let i = 0; i < n; i++) put(i, [255, 80, 40], Math.round(255 * p.boundary[i]!));
    return out;
  }
  // flow: direction as hue, magnitude (|v|/5, the network's ×5 scale) as value
  for (let i = 0; i < n; i++) {
    const dy = p.flow[i]!;
    const dx = p.flow[n + i]!;
    const mag = Math.min(1, Math.hypot(dy, dx) / 5);
    const hue = (Math.atan2(dy, dx) / (2 * Math.PI) + 1) % 1;
    put(i, hsv(hue, 1), Math.round(220 * mag));
  }
  return out;
}
