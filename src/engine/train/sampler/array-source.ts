/** An {@link ImageSource} over an in-memory normalised image (`[rows, cols, channels]` float32). */
import { ShapeError } from '../../errors.ts';
import type { ImageSource } from './patch-sampler.ts';

export class ArrayImageSource implements ImageSource {
  readonly shape: [number, number];
  readonly channels: number;
  private readonly data: Float32Array;

  constructor(data: Float32Array, shape: [number, number, number]) {
    const [rows, cols, channels] = shape;
    if (data.length !== rows * cols * channels) {
      throw new ShapeError(
        `image data has ${data.length} values, shape [${shape.join(', ')}] needs ${rows * cols * channels}`,
      );
    }
    this.data = data;
    this.shape = [rows, cols];
    this.channels = channels;
  }

  async readWindow(row0: number, col0: number, rows: number, cols: number): Promise<Float32Array> {
    const C = this.channels;
    const [H, W] = this.shape;
    const out = new Float32Array(rows * cols * C);
    const c0 = Math.max(0, col0);
    const c1 = Math.min(W, col0 + cols);
    if (c0 >= c1) return out;
    for (let y = Math.max(0, row0); y < Math.min(H, row0 + rows); y++) {
      const src = (y * W + c0) * C;
      out.set(this.data.subarray(src, src + (c1 - c0) * C), ((y - row0) * cols + (c0 - col0)) * C);
    }
    return out;
  }
}
