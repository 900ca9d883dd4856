export { ExportPanel } from './export-panel.ts';
export { ImagePanel } from './image-panel.ts';
export { LayerPanel } from './layer-panel.ts';
export { ToolPalette } from './tool-palette.ts';
export { TrainingPanel } from './training-panel.ts';
