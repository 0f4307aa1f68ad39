import type { CommandContext } from './context.js';
import { TRAIN_HELP, trainCommand } from './train.js';

/** A subcommand of `ncomp`. */
export interface CommandSpec {
  /** Its name. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Its `--help` text. */
  readonly help: string;
  /** Its options (besides --backend, --quiet, --debug): strings may repeat. */
  readonly options: Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;
  /** Runs it; resolves to the exit code. */
  run(ctx: CommandContext): Promise<number>;
}

const s = { type: 'string' } as const;
const b = { type: 'boolean' } as const;

/** The subcommands by name. */
export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(
  [
    {
      name: 'train',
      summary: 'train a model on a folder of images (resumable)',
      help: TRAIN_HELP,
      options: {
        model: s, config: s, lambda: s, steps: s, batch: s, crop: s, lr: s, 'decay-start': s, seed: s,
        'checkpoint-every': s, 'log-every': s, eval: s, 'eval-every': s, export: s, resume: b, force: b, data: s, out: s,
      },
      run: trainCommand,
    },
  ].map((c) => [c.name, c]),
);
