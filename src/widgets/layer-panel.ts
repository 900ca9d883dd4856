/** Layer panel: visibility and opacity of the image, annotations and prediction; prediction view. */
import { html } from 'lit';
import type { PredictionView } from '../layers/prediction-colors.ts';
import { define, PanelElement } from './base.ts';

const VIEWS: PredictionView[] = ['masks', 'outlines', 'distance', 'boundary', 'flow'];

export class LayerPanel extends PanelElement {
  override render() {
    const s = this.s;
    const i = this.intents;
    if (!s || !i) return html``;
    const names = ['image', 'annotations', 'prediction'] as const;
    return html`
      <h3>Layers</h3>
      ${names.map(
        (n) => html`<div class="row">
          <label><input type="checkbox" data-layer=${n} .checked=${s.layers[n].visible}
            @change=${(e: Event) => i.setLayer(n, { visible: (e.target as HTMLInputElement).checked })} /> ${n}</label>
          <input type="range" min="0" max="1" step="0.05" data-opacity=${n} .value=${String(s.layers[n].opacity)}
            @input=${(e: Event) => i.setLayer(n, { opacity: Number((e.target as HTMLInputElement).value) })} />
        </div>`,
      )}
      <div class="row">
        <label>Prediction as
          <select data-role="prediction-view" @change=${(e: Event) => i.setPredictionView((e.target as HTMLSelectElement).value as PredictionView)}>
            ${VIEWS.map((v) => html`<option value=${v} ?selected=${s.predictionView === v}>${v}</option>`)}
          </select></label>
      </div>
    `;
  }
}
define('sketchpose-layer-panel', LayerPanel);
