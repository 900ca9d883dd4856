/**
 * `sketchpose <command>`: the Node command line of the engine. Errors from the engine are typed
 * (`SketchposeError`); they are printed as one line with their tag and exit code 2.
 */
import { SketchposeError } from '../engine/errors.ts';

/** Each command's module is imported only when that command runs (serve need not load tfjs). */
interface CommandModule {
  run: (argv: string[]) => Promise<number>;
  help: string;
}
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  evaluate: async () => {
    const m = await import('./evaluate.ts');
    return { run: m.evaluateCommand, help: m.EVALUATE_HELP };
  },
  export: async () => {
    const m = await import('./export.ts');
    return { run: m.exportCommand, help: m.EXPORT_HELP };
  },
  train: async () => {
    const m = await import('./train.ts');
    return { run: (argv) => m.trainCommand(argv), help: m.TRAIN_HELP };
  },
  predict: async () => {
    const m = await import('./predict.ts');
    return { run: m.predictCommand, help: m.PREDICT_HELP };
  },
  segment: async () => {
    const m = await import('./segment.ts');
    return { run: m.segmentCommand, help: m.SEGMENT_HELP };
  },
  serve: async () => {
    const m = await import('./serve.ts');
    return { run: m.serveCommand, help: m.SERVE_HELP };
  },
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    console.log(`usage: sketchpose <command> [options]\ncommands: ${Object.keys(COMMANDS).join(', ')}\n`);
    for (const load of Object.values(COMMANDS)) console.log(`${(await load()).help}\n`);
    return command ? 0 : 1;
  }
  const load = COMMANDS[command];
  if (!load) {
    console.error(`sketchpose: unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return 1;
  }
  const entry = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(entry.help);
    return 0;
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
