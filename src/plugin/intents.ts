/** What the panels may ask of the plugin (widgets only show state and send intents). */
import type { PredictionView } from '../layers/prediction-colors.ts';
import type { LayerSetting, StateStore, Tool } from './state.ts';

export interface SketchposeIntents {
  readonly state: StateStore;
  setTool(tool: Tool): void;
  setBrush(radius: number): void;
  undo(): void;
  redo(): void;
  train(steps: number, learningRate: number): void;
  stop(): void;
  predict(): void;
  setLayer(name: 'image' | 'annotations' | 'prediction', setting: Partial<LayerSetting>): void;
  setPredictionView(view: PredictionView): void;
  setChannel(index: number, patch: { visible?: boolean; contrast?: [number, number] }): void;
  exportAnnotations(format: 'png' | 'tiff'): void;
  exportMasks(format: 'png' | 'tiff'): void;
  /** write the view's predicted masks into the store's labels/masks */
  saveMasks(): void;
  /** start from weights: a `.pth`, or weights.json + weights.bin */
  loadWeights(files: File[]): void;
  exportWeights(): void;
  /** the plane of a non-y/x axis (z, t) */
  setPlane(axis: string, index: number): void;
}
