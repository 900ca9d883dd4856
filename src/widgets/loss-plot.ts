/** A small SVG plot of the total loss and each loss term over steps (log scale). */
import { html, svg } from 'lit';

const COLORS = ['#ffffff', '#ff6b6b', '#4ecdc4', '#ffe66d', '#a29bfe', '#fd79a8', '#55efc4'];

export function lossPlot(history: { step: number; loss: number; terms: Record<string, number> }[]) {
  const w = 260;
  const h = 110;
  if (history.length < 2) return html`<div class="muted">loss plot appears after two steps</div>`;
  const names = ['loss', ...Object.keys(history[history.length - 1]!.terms)];
  const value = (p: (typeof history)[number], n: string) =>
    n === 'loss' ? p.loss : (p.terms[n] ?? Number.NaN);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const p of history) {
    for (const n of names) {
      const v = value(p, n);
      if (v > 0 && Number.isFinite(v)) {
        lo = Math.min(lo, Math.log10(v));
        hi = Math.max(hi, Math.log10(v));
      }
    }
  }
  if (!(hi > lo)) hi = lo + 1;
  const s0 = history[0]!.step;
  const s1 = Math.max(s0 + 1, history[history.length - 1]!.step);
  const x = (s: number) => ((s - s0) / (s1 - s0)) * (w - 4) + 2;
  const y = (v: number) => h - 2 - ((Math.log10(v) - lo) / (hi - lo)) * (h - 4);
  return html`<svg width=${w} height=${h} data-role="loss-plot" style="background:#1b1b1b">
    ${names.map((n, k) => {
      const pts = history
        .filter((p) => value(p, n) > 0)
        .map((p) => `${x(p.step).toFixed(1)},${y(value(p, n)).toFixed(1)}`)
        .join(' ');
      return svg`<polyline points=${pts} fill="none" stroke=${COLORS[k % COLORS.length]} stroke-width=${k === 0 ? 2 : 1}><title>${n}</title></polyline>`;
    })}
  </svg>
  <div class="muted">${names.map((n, k) => html`<span style="color:${COLORS[k % COLORS.length]}">■ ${n} </span>`)}</div>`;
}
