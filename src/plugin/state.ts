/**
 * The plugin's UI state: a small observable record that the controllers write and the Lit panels
 * read (widgets only show state and send intents, ARCHITECTURE.md). Listeners run synchronously
 * after every `set`.
 */
import type { PredictionView } from '../layers/prediction-colors.ts';

export type Tool = 'background' | 'cell' | 'boundary' | 'eraser' | 'pan' | 'accept' | 'box';

export interface TrainProgress {
  step: number;
  totalSteps: number;
  loss: number;
  terms: Record<string, number>;
  stepsPerSecond: number;
  eta: number;
  annotatedPixels: number;
  backend: string;
}

export interface LayerSetting {
  visible: boolean;
  opacity: number;
}

export interface SketchposeState {
  tool: Tool;
  /** brush radius in image pixels */
  brushRadius: number;
  /** space held: the pointer pans instead of painting */
  panning: boolean;
  canUndo: boolean;
  canRedo: boolean;
  /** painted pixels per code [unknown unused, background, cell, boundary] */
  layers: { image: LayerSetting; annotations: LayerSetting; prediction: LayerSetting };
  predictionView: PredictionView;
  /** image display */
  channels: {
    visible: boolean;
    contrast: [number, number];
    range: [number, number];
    color: [number, number, number];
  }[];
  selection: Record<string, number>;
  /** non-y/x, non-channel axes (z, t) and their sizes */
  axes: { name: string; size: number }[];
  /** autosave: 'idle' (all acknowledged), 'pending', 'saving', 'error' */
  save: { status: 'idle' | 'pending' | 'saving' | 'error' | 'off'; savedTiles: number; message: string };
  training: {
    status: 'idle' | 'starting' | 'running' | 'stopping' | 'error';
    backend: string;
    backendNotice: string;
    progress: TrainProgress | null;
    history: { step: number; loss: number; terms: Record<string, number> }[];
    steps: number;
    learningRate: number;
    message: string;
  };
  prediction: { step: number; count: number; level: number; busy: boolean };
  errors: string[];
}

export type Listener = (state: SketchposeState) => void;

export class StateStore {
  private value: SketchposeState;
  private readonly listeners = new Set<Listener>();

  constructor(initial: SketchposeState) {
    this.value = initial;
  }

  get(): SketchposeState {
    return this.value;
  }

  set(patch: Partial<SketchposeState>): void {
    this.value = { ...this.value, ...patch };
    for (const l of this.listeners) l(this.value);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.value);
    return () => this.listeners.delete(listener);
  }
}

export function initialState(): SketchposeState {
  return {
    tool: 'cell',
    brushRadius: 4,
    panning: false,
    canUndo: false,
    canRedo: false,
    layers: {
      image: { visible: true, opacity: 1 },
      annotations: { visible: true, opacity: 0.6 },
      prediction: { visible: true, opacity: 0.6 },
    },
    predictionView: 'masks',
    channels: [],
    selection: {},
    axes: [],
    save: { status: 'off', savedTiles: 0, message: '' },
    training: {
      status: 'idle',
      backend: '',
      backendNotice: '',
      progress: null,
      history: [],
      steps: 200,
      learningRate: 0.05,
      message: '',
    },
    prediction: { step: 0, count: 0, level: 0, busy: false },
    errors: [],
  };
}
