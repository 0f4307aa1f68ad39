import { NcompError, errorCode } from '@ncomp/core';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CommandContext } from './commands/context.js';
import { COMMANDS, type CommandSpec } from './commands/registry.js';

/** Exit codes of `ncomp`. */
export const EXIT: {
  /** Success. */
  readonly ok: 0;
  /** A failure: a damaged or foreign file, a model that does not load, an I/O error. */
  readonly failure: 1;
  /** A usage error: bad options or arguments, a refused overwrite. */
  readonly usage: 2;
  /** Interrupted (Ctrl-C). */
  readonly interrupted: 130;
} = { ok: 0, failure: 1, usage: 2, interrupted: 130 };

/** Top-level help. */
export function mainHelp(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((k) => k.length));
  return [
    'ncomp — learned image compression on TensorFlow.js',
    '',
    'Usage: ncomp <command> [options]',
    '',
    'Commands:',
    ...[...COMMANDS.values()].map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `ncomp <command> --help` for a command's options. Common options: --backend auto|tensorflow|webgpu|wasm|cpu, --quiet.",
  ].join('\n');
}

/** Something text can be written to (a `process.stdout`-like stream). */
export interface TextSink {
  /** Writes text. */
  write(text: string): unknown;
}

/** Streams `ncomp` writes to (injectable for tests). */
export interface Io {
  /** Results. */
  readonly stdout: TextSink;
  /** Progress, warnings and errors. */
  readonly stderr: TextSink;
}

/**
 * Runs `ncomp` with the given arguments and returns the exit code: 0 success, 1 a
 * failure (bad file, corrupt stream, ...), 2 a usage error, 130 interrupted. Errors are
 * printed as one line a person can act on; `--debug` adds the stack.
 */
export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    io.stdout.write('0.1.0\n');
    return EXIT.ok;
  }
  const spec = COMMANDS.get(name);
  if (!spec) {
    io.stderr.write(`ncomp: unknown command "${name}"\n\n${mainHelp()}\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${typeof spec.help === 'string' ? spec.help : await spec.help()}\n`);
    return EXIT.ok;
  }
  let ctx: CommandContext;
  try {
    ctx = parseCommandArgs(spec, argv, rest, io);
  } catch (err) {
    io.stderr.write(`ncomp ${name}: ${(err as Error).message}\nRun \`ncomp ${name} --help\` for the options.\n`);
    return EXIT.usage;
  }
  try {
    return await spec.run(ctx);
  } catch (err) {
    io.stderr.write(`ncomp ${name}: ${describeFailure(err, spec)}\n`);
    if (rest.includes('--debug') && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    if (err instanceof NcompError) return err.name === 'InvalidArgumentError' ? EXIT.usage : EXIT.failure;
    return EXIT.failure;
  }
}

/** Node system errors, by code: what went wrong in words a person can act on. */
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
};

/**
 * One line for an error, never a stack (`--debug` adds it): ncomp's own errors as they
 * are, system errors with the path and the fix, running out of memory with advice
 * fitting the command (`spec.memoryAdvice`), anything else as an unexpected error to report.
 * @param err - What a command threw.
 * @param spec - The command (only its `memoryAdvice` is read).
 */
export function describeFailure(err: unknown, spec: Pick<CommandSpec, 'memoryAdvice'>): string {
  if (err instanceof NcompError) return err.message;
  const code = errorCode(err);
  if (code !== undefined && code in SYSTEM_ERRORS) {
    const path = (err as { path?: unknown }).path;
    const where = typeof path === 'string' ? `${path}: ` : '';
    return `${where}${SYSTEM_ERRORS[code]} (${code}); check the path and its permissions, or choose another one`;
  }
  const text = String((err as Error)?.message ?? err);
  if (/Aborted\(|Out of memory|memory access out of bounds|Array buffer allocation failed|Invalid typed array length/i.test(text)) {
    const advice = spec.memoryAdvice ?? 'install @tensorflow/tfjs-node (--backend tensorflow), which is not limited to 4 GiB';
    return `the TensorFlow.js backend ran out of memory (${text.slice(0, 80)}). The wasm backend is limited to 4 GiB: ${advice}; see docs/backends.md`;
  }
  return `unexpected error: ${text} (run again with --debug for the stack trace, and please report it)`;
}

function parseCommandArgs(spec: CommandSpec, argv: readonly string[], rest: readonly string[], io: Io): CommandContext {
  const options: NonNullable<ParseArgsConfig['options']> = {
    backend: { type: 'string' },
    quiet: { type: 'boolean' },
    debug: { type: 'boolean' },
  };
  for (const [k, v] of Object.entries(spec.options)) {
    options[k] = v.type === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: true, ...(v.short ? { short: v.short } : {}) };
  }
  options['backend'] = { type: 'string', multiple: true };
  const parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
  const values = parsed.values as Record<string, string[] | boolean | undefined>;
  const quiet = values['quiet'] === true;
  return {
    argv,
    positionals: parsed.positionals,
    option: (k) => {
      const v = values[k];
      return Array.isArray(v) ? v[v.length - 1] : undefined;
    },
    options: (k) => {
      const v = values[k];
      return Array.isArray(v) ? v : [];
    },
    flag: (k) => values[k] === true,
    log: (line) => {
      if (!quiet) io.stderr.write(`${line}\n`);
    },
    print: (line) => io.stdout.write(`${line}\n`),
    progress: quiet ? { write: () => true, isTTY: false } : io.stderr,
  };
}
