/**
 * `sketchpose <command>`: the Node command line of the engine. Errors from the engine are typed
 * (`SketchposeError`); they are printed as one line with their tag and exit code 2.
 */
import { SketchposeError } from '../engine/errors.ts';
import { EVALUATE_HELP, evaluateCommand } from './evaluate.ts';
import { EXPORT_HELP, exportCommand } from './export.ts';
import { PREDICT_HELP, predictCommand } from './predict.ts';
import { SEGMENT_HELP, segmentCommand } from './segment.ts';
import { SERVE_HELP, serveCommand } from './serve.ts';
import { TRAIN_HELP, trainCommand } from './train.ts';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  evaluate: { run: evaluateCommand, help: EVALUATE_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  train: { run: (argv) => trainCommand(argv), help: TRAIN_HELP },
  predict: { run: predictCommand, help: PREDICT_HELP },
  segment: { run: segmentCommand, help: SEGMENT_HELP },
  serve: { run: serveCommand, help: SERVE_HELP },
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    console.log(`usage: sketchpose <command> [options]\ncommands: ${Object.keys(COMMANDS).join(', ')}\n`);
    for (const c of Object.values(COMMANDS)) console.log(`${c.help}\n`);
    return command ? 0 : 1;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    console.error(`sketchpose: unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return 1;
  }
  try {
    return await entry.run(rest);
  } catch (err) {
    if (err instanceof SketchposeError) {
      console.error(`sketchpose ${command}: ${err.tag}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
