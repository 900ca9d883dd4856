/** Image panel: per-channel visibility and contrast limits, and the plane (z/t) shown. */
import { html } from 'lit';
import { define, PanelElement } from './base.ts';

export class ImagePanel extends PanelElement {
  override render() {
    const s = this.s;
    const i = this.intents;
    if (!s || !i) return html``;
    return html`
      <h3>Image</h3>
      ${s.channels.map(
        (c, k) => html`<div class="row">
          <label><input type="checkbox" data-channel=${k} .checked=${c.visible}
            @change=${(e: Event) => i.setChannel(k, { visible: (e.target as HTMLInputElement).checked })} />
            <span style="color:rgb(${c.color.join(',')})">■</span> channel ${k}</label>
          <input type="number" data-contrast-low=${k} .value=${String(c.contrast[0])}
            @change=${(e: Event) => i.setChannel(k, { contrast: [Number((e.target as HTMLInputElement).value), c.contrast[1]] })} />
          <input type="number" data-contrast-high=${k} .value=${String(c.contrast[1])}
            @change=${(e: Event) => i.setChannel(k, { contrast: [c.contrast[0], Number((e.target as HTMLInputElement).value)] })} />
        </div>`,
      )}
      ${s.axes.map(
        (a) => html`<div class="row">
          <label>${a.name}
            <input type="range" min="0" max=${a.size - 1} step="1" data-axis=${a.name}
              .value=${String(s.selection[a.name] ?? 0)}
              @input=${(e: Event) => i.setPlane(a.name, Number((e.target as HTMLInputElement).value))} /></label>
          <span class="muted">${s.selection[a.name] ?? 0} / ${a.size - 1}</span>
        </div>`,
      )}
      ${s.axes.length > 0 ? html`<div class="muted">training uses the plane shown when it starts</div>` : ''}
    `;
  }
}
define('sketchpose-image-panel', ImagePanel);
