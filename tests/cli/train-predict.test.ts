/**
 * `sketchpose train` then `sketchpose predict` end to end on a real image with simulated strokes:
 * weights, checkpoint and loss log are written; resuming continues the step count; prediction
 * writes four finite float32 planes of the image's shape.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { readImage, writePng } from '../../src/engine/io/index.ts';
import { Random } from '../../src/engine/random.ts';
import { admissibleStrokes } from '../helpers/synthetic.ts';

const FIX = new URL('../fixtures/io/real/', import.meta.url).pathname;

describe('sketchpose train / predict', () => {
  it('trains, checkpoints, resumes and predicts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sketchpose-cli-'));
    const labels = await readImage(new Uint8Array(readFileSync(`${FIX}dsb2018_00071198d059ba7f_labels.tif`)));
    const [rows, cols] = labels.shape;
    const codes = admissibleStrokes(new Random(3), Int32Array.from(labels.data), rows, cols, 20);
    writeFileSync(join(dir, 'codes.png'), writePng({ data: codes, shape: [rows, cols] }));
    const image = `${FIX}dsb2018_00071198d059ba7f.png`;
    const out = join(dir, 'model');
    const common = ['--image', image, '--annotations', join(dir, 'codes.png'), '--out', out, '--batch', '2'];
    const opts = [
      '--patch',
      '32',
      '--margin',
      '16',
      '--report-every',
      '1',
      '--checkpoint-every',
      '2',
      '--quiet',
    ];
    expect(await main(['train', ...common, ...opts, '--epochs', '3'])).toBe(0);
    expect(existsSync(join(out, 'weights.json'))).toBe(true);
    expect(existsSync(join(out, 'checkpoint', 'checkpoint.bin'))).toBe(true);
    const log = readFileSync(join(out, 'loss.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.map((l) => l.step)).toEqual([1, 2, 3]);
    expect(log.every((l) => Number.isFinite(l.loss) && 'euler' in l && 'inequality' in l)).toBe(true);
    // resume to epoch 5: two more steps, numbered 4 and 5
    const resumed = join(dir, 'resumed');
    const args = [
      'train',
      '--image',
      image,
      '--annotations',
      join(dir, 'codes.png'),
      '--out',
      resumed,
      '--batch',
      '2',
    ];
    expect(await main([...args, ...opts, '--epochs', '5', '--resume', join(out, 'checkpoint')])).toBe(0);
    const log2 = readFileSync(join(resumed, 'loss.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log2.map((l) => l.step)).toEqual([4, 5]);
    // predict with the trained weights
    expect(
      await main([
        'predict',
        '--image',
        image,
        '--model',
        out,
        '--out',
        join(dir, 'pred', 'p.tif'),
        '--tile',
        '64',
      ]),
    ).toBe(0);
    for (const plane of ['flow_y', 'flow_x', 'distance', 'boundary']) {
      const p = await readImage(new Uint8Array(readFileSync(join(dir, 'pred', `p_${plane}.tif`))));
      expect(p.shape).toEqual([rows, cols, 1]);
      expect(p.data.every((v) => Number.isFinite(v))).toBe(true);
    }
  }, 180_000);
});
