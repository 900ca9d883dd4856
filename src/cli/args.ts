/**
 * A small, strict command-line parser: `--name value`, `--flag`, and positional arguments. Unknown
 * options are errors (a typo must not silently change a run).
 */
import { ValueError } from '../engine/errors.ts';

export interface OptionSpec {
  /** takes a value (default) or is a boolean flag */
  flag?: boolean;
  required?: boolean;
  help: string;
  default?: string;
}

export interface ParsedArgs {
  options: Record<string, string | boolean | undefined>;
  positional: string[];
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const options: Record<string, string | boolean | undefined> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const s = spec[name];
    if (!s)
      throw new ValueError(
        `unknown option --${name} (options: ${Object.keys(spec)
          .map((k) => `--${k}`)
          .join(', ')})`,
      );
    if (s.flag) {
      options[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new ValueError(`option --${name} needs a value`);
    }
    options[name] = value;
  }
  for (const [name, s] of Object.entries(spec)) {
    if (options[name] === undefined && s.default !== undefined) options[name] = s.default;
    if (s.required && options[name] === undefined) throw new ValueError(`missing required option --${name}`);
  }
  return { options, positional };
}

export function usage(command: string, summary: string, spec: Record<string, OptionSpec>): string {
  const lines = Object.entries(spec).map(([name, s]) => {
    const left = s.flag ? `--${name}` : `--${name} <value>`;
    const extra = s.required ? ' (required)' : s.default !== undefined ? ` (default ${s.default})` : '';
    return `  ${left.padEnd(28)} ${s.help}${extra}`;
  });
  return `sketchpose ${command}: ${summary}\n${lines.join('\n')}`;
}

/** Parses `start:stop:step` (inclusive stop, as `--taus 0.5:0.95:0.05`) or a comma list. */
export function parseNumberList(text: string, what: string): number[] {
  if (text.includes(':')) {
    const [a, b, c] = text.split(':').map(Number) as [number, number, number];
    if (![a, b, c].every(Number.isFinite) || c <= 0 || b < a)
      throw new ValueError(`${what}: bad range '${text}'`);
    const out: number[] = [];
    for (let k = 0; a + k * c <= b + 1e-9; k++) out.push(Math.round((a + k * c) * 1e9) / 1e9);
    return out;
  }
  const out = text.split(',').map(Number);
  if (!out.every(Number.isFinite)) throw new ValueError(`${what}: bad number list '${text}'`);
  return out;
}
