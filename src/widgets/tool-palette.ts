/**
 * Tool palette: the three stroke classes, eraser and pan, brush size, undo/redo, and the keyboard
 * shortcuts.
 */
import { html } from 'lit';
import type { Tool } from '../plugin/state.ts';
import { define, PanelElement } from './base.ts';

const TOOLS: { tool: Tool; label: string; key: string }[] = [
  { tool: 'background', label: 'Background', key: 'B' },
  { tool: 'cell', label: 'Cell', key: 'C' },
  { tool: 'boundary', label: 'Boundary (1 px)', key: 'L' },
  { tool: 'eraser', label: 'Eraser', key: 'E' },
  { tool: 'pan', label: 'Pan', key: 'H' },
  { tool: 'accept', label: 'Accept object', key: 'A' },
  { tool: 'box', label: 'Label box', key: 'X' },
];

export const SHORTCUTS: [string, string][] = [
  ['B / C / L / E / H', 'background, cell, boundary, eraser, pan'],
  ['A (click)', 'accept the predicted object: cell + outer boundary'],
  ['X (drag)', 'label a box fully from the prediction'],
  ['[ ] or ↓ ↑', 'brush size'],
  ['space + drag', 'pan'],
  ['wheel', 'zoom'],
  ['Ctrl+Z / Ctrl+Shift+Z', 'undo / redo'],
  ['double-click a cell stroke', 'close it: outline → boundary'],
];

export class ToolPalette extends PanelElement {
  override render() {
    const s = this.s;
    const i = this.intents;
    if (!s || !i) return html``;
    return html`
      <h3>Tools</h3>
      <div class="row">
        ${TOOLS.map(
          (t) => html`<button
            data-tool=${t.tool}
            aria-pressed=${s.tool === t.tool}
            title="${t.label} (${t.key})"
            @click=${() => i.setTool(t.tool)}
          >${t.label}</button>`,
        )}
      </div>
      <div class="row">
        <label>Brush radius
          <input type="number" data-role="brush" min="1" max="256" .value=${String(s.brushRadius)}
            @change=${(e: Event) => i.setBrush(Number((e.target as HTMLInputElement).value))} /></label>
        <button data-role="undo" ?disabled=${!s.canUndo} @click=${() => i.undo()}>Undo</button>
        <button data-role="redo" ?disabled=${!s.canRedo} @click=${() => i.redo()}>Redo</button>
      </div>
      <details>
        <summary class="muted">Shortcuts</summary>
        <table class="muted">
          ${SHORTCUTS.map(([k, v]) => html`<tr><td><kbd>${k}</kbd></td><td>${v}</td></tr>`)}
        </table>
      </details>
    `;
  }
}
define('sketchpose-tool-palette', ToolPalette);
