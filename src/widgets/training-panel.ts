/**
 * Training panel: steps and learning rate, start/stop, predict the view, the backend in use (with a
 * notice when WebGPU was not available), a progress bar with ETA, the annotated-pixel count the
 * worker trains on, and the live loss plot.
 */
import { html } from 'lit';
import { define, PanelElement } from './base.ts';
import { lossPlot } from './loss-plot.ts';

export class TrainingPanel extends PanelElement {
  override render() {
    const s = this.s;
    const i = this.intents;
    if (!s || !i) return html``;
    const t = s.training;
    const p = t.progress;
    const running = t.status === 'running' || t.status === 'starting';
    const frac = p ? Math.min(1, p.step / Math.max(1, p.totalSteps)) : 0;
    let steps = t.steps;
    let lr = t.learningRate;
    return html`
      <h3>Training</h3>
      <div class="row">
        <label>Steps <input type="number" data-role="steps" min="1" .value=${String(t.steps)}
          @change=${(e: Event) => {
            steps = Number((e.target as HTMLInputElement).value);
            i.state.set({ training: { ...i.state.get().training, steps } });
          }} /></label>
        <label>LR <input type="number" data-role="lr" step="0.001" min="0" .value=${String(t.learningRate)}
          @change=${(e: Event) => {
            lr = Number((e.target as HTMLInputElement).value);
            i.state.set({ training: { ...i.state.get().training, learningRate: lr } });
          }} /></label>
      </div>
      <div class="row">
        <button data-role="train" ?disabled=${running} @click=${() => i.train(steps, lr)}>Train</button>
        <button data-role="stop" ?disabled=${!running} @click=${() => i.stop()}>Stop</button>
        <button data-role="predict" ?disabled=${s.prediction.busy} @click=${() => i.predict()}>Predict view</button>
      </div>
      <div class="row">
        <label class="muted">Start from weights (.pth, or weights.json + .bin)
          <input type="file" data-role="weights" multiple accept=".pth,.pt,.json,.bin" ?disabled=${running}
            @change=${(e: Event) => i.loadWeights([...((e.target as HTMLInputElement).files ?? [])])} /></label>
        <button data-role="export-weights" @click=${() => i.exportWeights()}>Export weights</button>
      </div>
      <div class="muted" data-role="backend">backend: ${t.backend || '—'}</div>
      ${t.backendNotice ? html`<div class="warn" data-role="backend-notice">${t.backendNotice}</div>` : ''}
      <div style="background:#333;height:8px;border-radius:4px;margin:6px 0">
        <div data-role="progress-bar" style="background:#2d6cdf;height:8px;border-radius:4px;width:${(frac * 100).toFixed(1)}%"></div>
      </div>
      <div class="muted" data-role="progress">
        ${
          p
            ? html`step ${p.step}/${p.totalSteps} · loss ${p.loss.toFixed(4)} · ${p.stepsPerSecond.toFixed(2)} steps/s ·
              ETA ${Math.ceil(p.eta)} s · <span data-role="annotated">${p.annotatedPixels}</span> annotated px`
            : 'not trained yet'
        }
      </div>
      ${p ? html`<div class="muted">${Object.entries(p.terms).map(([k, v]) => html`${k} ${v.toFixed(3)} `)}</div>` : ''}
      ${lossPlot(t.history)}
      ${t.message ? html`<div class=${t.status === 'error' ? 'error' : 'muted'} data-role="train-message">${t.message}</div>` : ''}
      <div class="muted" data-role="prediction-status">
        ${s.prediction.busy ? 'predicting…' : s.prediction.step > 0 || s.prediction.count > 0 ? `prediction at step ${s.prediction.step}: ${s.prediction.count} objects (level ${s.prediction.level})` : ''}
      </div>
    `;
  }
}
define('sketchpose-training-panel', TrainingPanel);
