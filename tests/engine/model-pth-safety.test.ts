/**
 * Reading untrusted `.pth` files and importing state_dicts. Invariants: a pickle naming any global
 * outside the allow-list is refused with a FormatError naming it (the fixture malicious.pth holds a
 * reduce to `builtins.eval`, which protocol 2 spells `__builtin__.eval`); unsupported opcodes and
 * protocols, non-zip, legacy, compressed and corrupted archives are FormatErrors; importing checks
 * keys and shapes (errors name the key and both shapes) and reports a channel-count mismatch plainly.
 */
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { setBackend } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, ShapeError } from '../../src/engine/errors.ts';
import { createCPnet, importStateDict, type PthTensor, readPth } from '../../src/engine/model/index.ts';
import { unpickle } from '../../src/engine/model/pickle.ts';
import { listZipEntries } from '../../src/engine/model/zip.ts';

const DIR = new URL('../fixtures/cpnet/', import.meta.url).pathname;
const bytesOf = (name: string) => new Uint8Array(readFileSync(`${DIR}${name}`));

beforeAll(async () => {
  await setBackend('cpu');
});

describe('restricted unpickler', () => {
  const options = {
    globals: new Map([['collections.OrderedDict', { call: () => new Map() }]]),
    persistentLoad: () => null,
  };
  const program = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

  it('refuses the fixture that reduces to builtins.eval, naming the global', () => {
    const bytes = bytesOf('malicious.pth');
    expect(() => readPth(bytes)).toThrow(FormatError);
    expect(() => readPth(bytes)).toThrow("pickle global '__builtin__.eval' is not allowed");
  });

  it('refuses any other global, protocols above 2 and unknown opcodes', () => {
    expect(() => unpickle(program('\x80\x02cos\nsystem\n.'), options)).toThrow("'os.system' is not allowed");
    expect(() => unpickle(program('\x80\x04}.'), options)).toThrow(/protocol 4/);
    expect(() => unpickle(program('\x80\x02(i__main__\nX\n.'), options)).toThrow(/opcode 0x69/);
    expect(() => unpickle(program('\x80\x02}q\x00'), options)).toThrow(/truncated/);
    expect(() => unpickle(program('\x80\x02K\x01)R.'), options)).toThrow(/REDUCE/);
  });

  it('builds dicts, tuples and numbers', () => {
    const v = unpickle(
      program(
        '\x80\x02ccollections\nOrderedDict\n)R(X\x01\x00\x00\x00aK\x05X\x01\x00\x00\x00bJ\xff\xff\xff\xffu.',
      ),
      options,
    );
    expect(v).toEqual(
      new Map<string, number>([
        ['a', 5],
        ['b', -1],
      ]),
    );
  });
});

describe('zip container', () => {
  it('refuses non-zip, legacy, compressed and corrupted files', () => {
    const good = bytesOf('small.pth');
    expect(() => readPth(new Uint8Array([1, 2, 3, 4]))).toThrow(/not a PyTorch zip/);
    expect(() => readPth(new Uint8Array([0x80, 0x02, 0x8a, 0x0a]))).toThrow(/legacy/);
    expect(() => readPth(good.subarray(0, good.length - 100))).toThrow(FormatError);

    const entries = listZipEntries(good);
    const pkl = entries.find((e) => e.name === 'small/data.pkl')!;
    const compressed = good.slice();
    const view = new DataView(compressed.buffer);
    for (let at = 0; at < compressed.length - 4; at++) {
      if (
        view.getUint32(at, true) === 0x02014b50 &&
        view.getUint32(at + 42, true) === pkl.localHeaderOffset
      ) {
        view.setUint16(at + 10, 8, true);
      }
    }
    expect(() => readPth(compressed)).toThrow("zip entry 'small/data.pkl' is compressed (method 8)");

    const storage = entries.find((e) => e.name === 'small/data/0')!;
    const corrupt = good.slice();
    const cv = new DataView(corrupt.buffer);
    const start = storage.localHeaderOffset + 30 + cv.getUint16(storage.localHeaderOffset + 26, true);
    corrupt[start + cv.getUint16(storage.localHeaderOffset + 28, true)]! ^= 0xff;
    expect(() => readPth(corrupt)).toThrow("zip entry 'small/data/0': CRC-32 mismatch");
  });

  it('reads float64 and int64 storages (train_stats.pth is a plain dict)', () => {
    const stats = readPth(bytesOf('train_stats.pth'));
    const mean = stats.get('output.0.running_mean')!;
    expect(mean.dtype).toBe('float64');
    expect(mean.shape).toEqual([8]);
    expect(stats.get('output.0.num_batches_tracked')!.data[0]).toBe(8);
  });
});

describe('importStateDict', () => {
  const sd = () => readPth(bytesOf('small.pth'));

  it('names the key and both shapes on a mismatch', () => {
    const net = createCPnet({ widths: 'small' });
    const map = sd();
    const key = 'upsample.up.res_up_2.proj.1.weight';
    map.set(key, { ...map.get(key)!, shape: [64, 32, 1, 1] });
    expect(() => importStateDict(net, map)).toThrow(ShapeError);
    expect(() => importStateDict(net, map)).toThrow(
      `'${key}': state_dict has shape [64, 32, 1, 1], the network expects [32, 64, 1, 1] (PyTorch layout)`,
    );
    net.dispose();
  });

  it('reports a channel-count mismatch (a model trained with nchan 2 into an nchan 1 network)', () => {
    const net = createCPnet({ nchan: 1, widths: 'small' });
    expect(() => importStateDict(net, sd())).toThrow(
      /trained with nchan 2 input channels .*\[8, 2, 3, 3\].*nchan 1/,
    );
    net.dispose();
  });

  it('missing, extra and DataParallel-prefixed keys', async () => {
    const net = createCPnet({ widths: 'small' });
    const missing = sd();
    missing.delete('output.2.bias');
    expect(() => importStateDict(net, missing)).toThrow("state_dict lacks 'output.2.bias' (shape [4])");
    const extra = sd();
    extra.set('head.weight', { shape: [1], data: new Float32Array(1), dtype: 'float32' });
    expect(() => importStateDict(net, extra)).toThrow(/1 keys the network lacks: head\.weight/);
    importStateDict(net, extra, { strict: false });
    const prefixed = new Map<string, PthTensor>([...sd()].map(([k, v]) => [`module.${k}`, v]));
    prefixed.delete('module.output.0.num_batches_tracked');
    importStateDict(net, prefixed);
    const bias = await net.variables.get('output.2.bias')!.data();
    expect(Array.from(bias)).toEqual(Array.from(sd().get('output.2.bias')!.data));
    net.dispose();
  });
});
