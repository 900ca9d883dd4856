/**
 * Base of the Sketchpose panels: a Lit element that takes the plugin's intents, re-renders when
 * the shared state changes, and is defined once even if the bundle runs twice (anywidget HMR, two
 * widgets on a page: ECOSYSTEM.md §7).
 */
import { css, LitElement } from 'lit';
import type { SketchposeIntents } from '../plugin/intents.ts';
import type { SketchposeState } from '../plugin/state.ts';

export class PanelElement extends LitElement {
  static override properties = { intents: { attribute: false } };
  declare intents: SketchposeIntents | undefined;
  private unsubscribe: (() => void) | null = null;

  static override styles = css`
    :host { display: block; font: 13px/1.4 system-ui, sans-serif; color: #e8e8e8; }
    h3 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; margin: 10px 0 6px; color: #aaa; }
    button { background: #333; color: #eee; border: 1px solid #555; border-radius: 4px; padding: 3px 8px; cursor: pointer; font: inherit; }
    button[aria-pressed='true'] { background: #2d6cdf; border-color: #5b8def; }
    button:disabled { opacity: 0.4; cursor: default; }
    input[type='number'] { width: 70px; background: #222; color: #eee; border: 1px solid #555; }
    select { background: #222; color: #eee; border: 1px solid #555; }
    .row { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin: 4px 0; }
    .muted { color: #999; font-size: 12px; }
    .warn { color: #ffb347; }
    .error { color: #ff6b6b; }
  `;

  protected get s(): SketchposeState | undefined {
    return this.intents?.state.get();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.subscribe();
  }

  override updated(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('intents')) this.subscribe();
  }

  private subscribe(): void {
    this.unsubscribe?.();
    this.unsubscribe = this.intents?.state.subscribe(() => this.requestUpdate()) ?? null;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}

export function define(name: string, element: CustomElementConstructor): void {
  if (!customElements.get(name)) customElements.define(name, element);
}
