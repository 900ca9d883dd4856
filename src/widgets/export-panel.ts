/** Export panel: annotations and the last predicted masks as PNG or TIFF; autosave status. */
import { html } from 'lit';
import { define, PanelElement } from './base.ts';

export class ExportPanel extends PanelElement {
  override render() {
    const s = this.s;
    const i = this.intents;
    if (!s || !i) return html``;
    return html`
      <h3>Export</h3>
      <div class="row">
        <button data-role="export-annotations-png" @click=${() => i.exportAnnotations('png')}>Annotations PNG</button>
        <button data-role="export-annotations-tiff" @click=${() => i.exportAnnotations('tiff')}>Annotations TIFF</button>
      </div>
      <div class="row">
        <button data-role="export-masks-png" ?disabled=${s.prediction.count === 0} @click=${() => i.exportMasks('png')}>Masks PNG</button>
        <button data-role="export-masks-tiff" ?disabled=${s.prediction.count === 0} @click=${() => i.exportMasks('tiff')}>Masks TIFF</button>
      </div>
      <div class="row">
        <button data-role="save-masks" ?disabled=${s.prediction.count === 0 || s.save.status === 'off'}
          @click=${() => i.saveMasks()}>Save view masks to labels/masks</button>
      </div>
      <div class="muted">Annotations autosave into the store's <code>labels/annotations</code>.</div>
      <div class=${s.save.status === 'error' ? 'error' : 'muted'} data-role="save-status" data-save=${s.save.status}>
        ${s.save.message}
      </div>
    `;
  }
}
define('sketchpose-export-panel', ExportPanel);
