/**
 * The command dispatcher: `<command> --help` prints that command's options and exits 0 before any
 * required option is checked; unknown commands exit 1; typed engine errors exit 2 with their tag.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

describe('sketchpose dispatcher', () => {
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  });
  afterEach(() => vi.restoreAllMocks());

  it.each(['train', 'predict', 'segment', 'evaluate', 'export', 'serve'])(
    '%s --help prints its usage and exits 0 without checking required options',
    async (command) => {
      expect(await main([command, '--help'])).toBe(0);
      expect(out.join('\n')).toContain(`sketchpose ${command}:`);
      expect(out.join('\n')).toMatch(/--\w+/);
      expect(err).toEqual([]);
    },
  );

  it('lists every command with no arguments (exit 1) and with help (exit 0)', async () => {
    expect(await main([])).toBe(1);
    expect(out[0]).toContain('commands: evaluate, export, train, predict, segment, serve');
    out.length = 0;
    expect(await main(['help'])).toBe(0);
    expect(out.join('\n')).toContain('sketchpose segment:');
  });

  it('an unknown command exits 1 naming it', async () => {
    expect(await main(['trian'])).toBe(1);
    expect(err.join('\n')).toContain("unknown command 'trian'");
  });

  it('a missing required option is a typed error: exit 2 with the tag and the option', async () => {
    expect(await main(['predict', '--model', 'm'])).toBe(2);
    expect(err.join('\n')).toMatch(/sketchpose predict: ValueError: .*--image/);
  });
});
