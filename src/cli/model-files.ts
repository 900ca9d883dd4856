/**
 * Model files on disk: a directory holding `weights.json` (our manifest) and `weights.bin`, or an
 * Omnipose/Cellpose PyTorch state_dict (`.pth` or an extension-less Omnipose model file).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '../engine/errors.ts';
import {
  type CPnet,
  createCPnet,
  importStateDict,
  inferCPnetConfig,
  loadWeights,
  readPth,
  serializeWeights,
  type WeightsManifest,
} from '../engine/model/index.ts';

function manifestPath(path: string): string {
  return statSync(path).isDirectory() ? join(path, 'weights.json') : path;
}

/** True when `path` is our format (a directory or a .json manifest), false for a state_dict. */
export function isOwnFormat(path: string): boolean {
  return statSync(path).isDirectory() || path.endsWith('.json');
}

/** Loads a network from our format or a PyTorch state_dict; the config comes from the file. */
export function loadModel(path: string, seed = 0): CPnet {
  if (isOwnFormat(path)) {
    const mp = manifestPath(path);
    const manifest = JSON.parse(readFileSync(mp, 'utf8')) as WeightsManifest;
    const bin = mp.replace(/\.json$/, '.bin');
    if (!existsSync(bin)) throw new FormatError(`weights binary ${bin} is missing next to ${mp}`);
    const net = createCPnet({ ...manifest.config, seed });
    loadWeights(net, manifest, new Uint8Array(readFileSync(bin)));
    return net;
  }
  const dict = readPth(new Uint8Array(readFileSync(path)));
  const net = createCPnet({ ...inferCPnetConfig(dict), seed });
  importStateDict(net, dict);
  return net;
}

/** Loads weights into an existing network (from our format or a state_dict). */
export function loadInto(net: CPnet, path: string): void {
  if (isOwnFormat(path)) {
    const mp = manifestPath(path);
    loadWeights(
      net,
      JSON.parse(readFileSync(mp, 'utf8')),
      new Uint8Array(readFileSync(mp.replace(/\.json$/, '.bin'))),
    );
  } else {
    importStateDict(net, readPth(new Uint8Array(readFileSync(path))));
  }
}

export async function saveModel(net: CPnet, dir: string, extra: Record<string, unknown> = {}): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const { manifest, data } = await serializeWeights(net);
  writeFileSync(join(dir, 'weights.json'), JSON.stringify({ ...manifest, ...extra }, null, 1));
  writeFileSync(join(dir, 'weights.bin'), data);
}
