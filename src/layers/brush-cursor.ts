/**
 * The brush cursor: a ring of the brush's radius at the pointer, in image pixels (so it scales with
 * the zoom like the paint does), coloured by the active tool.
 */
import { ScatterplotLayer } from '@deck.gl/layers';

export interface BrushCursorProps {
  id?: string;
  /** pointer position in image pixels (col, row), or null when outside the view */
  position: [number, number] | null;
  /** brush radius in image pixels */
  radius: number;
  color: [number, number, number];
}

export function brushCursorLayer(props: BrushCursorProps): ScatterplotLayer<[number, number]> {
  return new ScatterplotLayer<[number, number]>({
    id: props.id ?? 'sketchpose-brush-cursor',
    data: props.position ? [props.position] : [],
    getPosition: (d) => [d[0], d[1]],
    getRadius: Math.max(0.5, props.radius),
    radiusUnits: 'common',
    stroked: true,
    filled: false,
    getLineColor: [...props.color, 230],
    lineWidthUnits: 'pixels',
    getLineWidth: 1.5,
    pickable: false,
    updateTriggers: { getRadius: props.radius, getLineColor: props.color },
  });
}
