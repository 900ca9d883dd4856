/**
 * Pointer and keyboard handling: turns real pointer events on the deck canvas into strokes on the
 * `AnnotationStore` (background / cell brushes, eraser, 1-px boundary polylines committed on
 * release), double-click to close a cell stroke, space-drag or the pan tool to pan, `[`/`]` and
 * ↑/↓ for the brush size, Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) for undo/redo.
 *
 * Screen → image pixels goes through deck's viewport (`unproject`), so painting is exact at any
 * zoom and pyramid level: Viv's world coordinates are full-resolution pixels (ECOSYSTEM.md §1.4).
 */
import type { Deck, OrthographicView } from '@deck.gl/core';
import type { AnnotationStore } from '../engine/annotations/index.ts';
import type { Point } from '../engine/annotations/rasterize.ts';
import { BACKGROUND, CELL } from '../engine/targets/codes.ts';
import type { StateStore, Tool } from './state.ts';

export interface PaintControllerOptions {
  deck: Deck<OrthographicView>;
  canvas: HTMLElement;
  /** element that receives keyboard shortcuts (focusable) */
  keyTarget: HTMLElement;
  annotations: AnnotationStore;
  state: StateStore;
  /** called whenever the overlay must redraw (cursor, boundary preview) */
  redraw: () => void;
  /** accept tool: click on a predicted object (image pixel) */
  onAccept?: (row: number, col: number) => void;
  /** box tool: label the dragged box from the prediction */
  onBox?: (box: { row0: number; col0: number; row1: number; col1: number }) => void;
}

const TOOL_KEYS: Record<string, Tool> = {
  b: 'background',
  c: 'cell',
  l: 'boundary',
  e: 'eraser',
  h: 'pan',
  a: 'accept',
  x: 'box',
};

export class PaintController {
  /** pointer position in image pixels, for the brush cursor */
  cursor: [number, number] | null = null;
  /** boundary polyline being drawn (committed on release) */
  boundaryPreview: [number, number][] = [];
  /** box being dragged with the box tool: [x0, y0, x1, y1] in image pixels */
  boxPreview: [number, number, number, number] | null = null;
  /** timestamps of the last pointer event that painted, for latency measurement */
  lastPaintEvent = 0;
  private stroke: { add(points: Point[]): void; end(): void } | null = null;
  private drawingBoundary = false;
  private pointerId: number | null = null;
  private readonly o: PaintControllerOptions;
  private readonly removers: (() => void)[] = [];

  constructor(options: PaintControllerOptions) {
    this.o = options;
    const c = options.canvas;
    // capture phase: we decide before deck's own handlers whether this pointer paints or pans
    this.on(c, 'pointerdown', (e) => this.down(e as PointerEvent), true);
    this.on(c, 'pointermove', (e) => this.move(e as PointerEvent), true);
    this.on(c, 'pointerup', (e) => this.up(e as PointerEvent), true);
    this.on(c, 'pointercancel', (e) => this.up(e as PointerEvent), true);
    this.on(c, 'pointerleave', () => {
      this.cursor = null;
      this.o.redraw();
    });
    this.on(c, 'dblclick', (e) => this.doubleClick(e as MouseEvent));
    const k = options.keyTarget;
    this.on(k, 'keydown', (e) => this.keyDown(e as KeyboardEvent));
    this.on(k, 'keyup', (e) => this.keyUp(e as KeyboardEvent));
    this.updateController();
  }

  private on(t: EventTarget, type: string, fn: (e: Event) => void, capture = false): void {
    t.addEventListener(type, fn, capture);
    this.removers.push(() => t.removeEventListener(type, fn, capture));
  }

  /** Image pixel (col = x, row = y) under a pointer event. */
  imagePoint(e: MouseEvent): [number, number] | null {
    const viewport = this.o.deck.getViewports()[0];
    if (!viewport) return null;
    const rect = this.o.canvas.getBoundingClientRect();
    const [x, y] = viewport.unproject([e.clientX - rect.left, e.clientY - rect.top]) as [number, number];
    return [x, y];
  }

  private get painting(): boolean {
    const s = this.o.state.get();
    return !s.panning && s.tool !== 'pan';
  }

  /** Panning follows deck's controller; painting disables its drag-pan. */
  updateController(): void {
    this.o.deck.setProps({
      controller: { dragPan: !this.painting, doubleClickZoom: false, scrollZoom: true, keyboard: false },
    });
    this.o.canvas.style.cursor = this.painting ? 'crosshair' : 'grab';
  }

  private down(e: PointerEvent): void {
    this.o.keyTarget.focus({ preventScroll: true });
    if (e.button !== 0 || !this.painting) return;
    const p = this.imagePoint(e);
    if (!p) return;
    e.stopPropagation();
    this.pointerId = e.pointerId;
    this.o.canvas.setPointerCapture?.(e.pointerId);
    const s = this.o.state.get();
    if (s.tool === 'accept') {
      this.pointerId = null;
      this.o.onAccept?.(Math.floor(p[1]), Math.floor(p[0]));
      this.syncHistory();
      return;
    }
    if (s.tool === 'box') {
      this.boxPreview = [p[0], p[1], p[0], p[1]];
      this.o.redraw();
      return;
    }
    if (s.tool === 'boundary') {
      this.drawingBoundary = true;
      this.boundaryPreview = [p];
      this.o.redraw();
      return;
    }
    const code = s.tool === 'background' ? BACKGROUND : s.tool === 'cell' ? CELL : 0;
    this.stroke = this.o.annotations.beginStroke({ code, radius: s.brushRadius });
    this.lastPaintEvent = e.timeStamp;
    this.stroke.add([{ x: p[0], y: p[1] }]);
  }

  private move(e: PointerEvent): void {
    const p = this.imagePoint(e);
    this.cursor = p;
    if (this.pointerId === e.pointerId && p) {
      e.stopPropagation();
      const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      const pts = (events.length > 0 ? events : [e])
        .map((ev) => this.imagePoint(ev))
        .filter((q): q is [number, number] => q !== null);
      if (this.boxPreview) {
        this.boxPreview = [this.boxPreview[0], this.boxPreview[1], p[0], p[1]];
      } else if (this.drawingBoundary) {
        this.boundaryPreview.push(...pts);
      } else if (this.stroke) {
        this.lastPaintEvent = e.timeStamp;
        this.stroke.add(pts.map(([x, y]) => ({ x, y })));
      }
    }
    this.o.redraw();
  }

  private up(e: PointerEvent): void {
    if (this.pointerId !== e.pointerId) return;
    e.stopPropagation();
    this.pointerId = null;
    if (this.boxPreview) {
      const [x0, y0, x1, y1] = this.boxPreview;
      this.boxPreview = null;
      this.o.onBox?.({
        row0: Math.floor(Math.min(y0, y1)),
        col0: Math.floor(Math.min(x0, x1)),
        row1: Math.ceil(Math.max(y0, y1)),
        col1: Math.ceil(Math.max(x0, x1)),
      });
    }
    if (this.drawingBoundary) {
      this.drawingBoundary = false;
      const pts = this.boundaryPreview.map(([x, y]) => ({ x, y }));
      this.boundaryPreview = [];
      if (pts.length > 0) this.o.annotations.drawBoundary(pts);
    }
    this.stroke?.end();
    this.stroke = null;
    this.syncHistory();
    this.o.redraw();
  }

  private doubleClick(e: MouseEvent): void {
    if (!this.painting || this.o.state.get().tool !== 'cell') return;
    const p = this.imagePoint(e);
    if (!p) return;
    this.o.annotations.closeCellStroke(Math.floor(p[1]), Math.floor(p[0]));
    this.syncHistory();
  }

  syncHistory(): void {
    const a = this.o.annotations;
    const s = this.o.state.get();
    if (s.canUndo !== a.canUndo || s.canRedo !== a.canRedo) {
      this.o.state.set({ canUndo: a.canUndo, canRedo: a.canRedo });
    }
  }

  setTool(tool: Tool): void {
    this.o.state.set({ tool });
    this.updateController();
    this.o.redraw();
  }

  setBrush(radius: number): void {
    this.o.state.set({ brushRadius: Math.min(256, Math.max(1, Math.round(radius))) });
    this.o.redraw();
  }

  undo(): void {
    this.stroke?.end();
    this.stroke = null;
    this.o.annotations.undo();
    this.syncHistory();
  }

  redo(): void {
    this.o.annotations.redo();
    this.syncHistory();
  }

  private keyDown(e: KeyboardEvent): void {
    const target = e.composedPath()[0] as HTMLElement | undefined;
    if (
      target &&
      (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')
    )
      return;
    const s = this.o.state.get();
    const ctrl = e.ctrlKey || e.metaKey;
    if (ctrl && (e.key === 'z' || e.key === 'Z')) {
      e.preventDefault();
      if (e.shiftKey) this.redo();
      else this.undo();
      return;
    }
    if (ctrl && (e.key === 'y' || e.key === 'Y')) {
      e.preventDefault();
      this.redo();
      return;
    }
    if (ctrl || e.altKey) return;
    if (e.key === ' ' || e.code === 'Space') {
      e.preventDefault();
      if (!s.panning) {
        this.o.state.set({ panning: true });
        this.updateController();
      }
      return;
    }
    if (e.key === ']' || e.key === 'ArrowUp') {
      e.preventDefault();
      this.setBrush(s.brushRadius + Math.max(1, Math.round(s.brushRadius * 0.2)));
    } else if (e.key === '[' || e.key === 'ArrowDown') {
      e.preventDefault();
      this.setBrush(s.brushRadius - Math.max(1, Math.round(s.brushRadius * 0.2)));
    } else if (TOOL_KEYS[e.key]) {
      this.setTool(TOOL_KEYS[e.key]!);
    }
  }

  private keyUp(e: KeyboardEvent): void {
    if (e.key === ' ' || e.code === 'Space') {
      this.o.state.set({ panning: false });
      this.updateController();
    }
  }

  destroy(): void {
    this.stroke?.end();
    for (const r of this.removers) r();
    this.removers.length = 0;
  }
}
