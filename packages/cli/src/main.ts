import { InvalidArgumentError } from '@ncomp/core';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CommandContext } from './commands/context.js';
import { COMMANDS, type CommandSpec } from './commands/registry.js';
import { describeFailure, failureExitCode } from './describe-failure.js';
import { EXIT, exitCodesHelp } from './exit-codes.js';
import { ansiAllowed, type ProgressStream } from './progress/index.js';

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
    '',
    exitCodesHelp(),
  ].join('\n');
}

/** The `--help` text of a command: its own, then the exit codes. */
export async function commandHelp(spec: Pick<CommandSpec, 'help'>): Promise<string> {
  return `${typeof spec.help === 'string' ? spec.help : await spec.help()}\n\n${exitCodesHelp()}`;
}

/** Something text can be written to (a `process.stdout`-like stream). */
export interface TextSink {
  /** Writes text, or bytes (data on stdout: `-o -`). */
  write(chunk: string | Uint8Array): unknown;
  /** Whether it is an interactive terminal (`process.stderr.isTTY`). */
  readonly isTTY?: boolean | undefined;
  /** Terminal width in characters, if known. */
  readonly columns?: number | undefined;
}

/** Streams and environment `ncomp` uses (injectable for tests). */
export interface Io {
  /** Results. */
  readonly stdout: TextSink;
  /** Progress, warnings and errors. */
  readonly stderr: TextSink;
  /** Environment variables (`NO_COLOR`, `TERM`); default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where `-` inputs are read from; default `process.stdin`. */
  readonly stdin?: ByteSource;
}

/** Something bytes can be read from (a `process.stdin`-like stream). */
export interface ByteSource extends AsyncIterable<Uint8Array | string> {
  /** Whether it is an interactive terminal (then nothing was piped in). */
  readonly isTTY?: boolean | undefined;
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
    io.stdout.write(`${await commandHelp(spec)}\n`);
    return EXIT.ok;
  }
  // --json: exactly one document on stdout, a JsonFailure when the command fails as a whole.
  const json = { wanted: 'json' in spec.options && rest.includes('--json'), printed: false };
  const jsonFailure = (error: string, exitCode: number): void => {
    if (json.wanted && !json.printed) io.stdout.write(`${JSON.stringify({ command: name, ok: false, error, exitCode }, null, 2)}\n`);
  };
  let ctx: CommandContext;
  try {
    ctx = parseCommandArgs(spec, argv, rest, io, json);
  } catch (err) {
    io.stderr.write(`ncomp ${name}: ${(err as Error).message}\nRun \`ncomp ${name} --help\` for the options.\n`);
    jsonFailure((err as Error).message, EXIT.usage);
    return EXIT.usage;
  }
  try {
    return await spec.run(ctx);
  } catch (err) {
    const { message, exitCode } = reportFailure(err, spec, rest.includes('--debug'), io);
    jsonFailure(message, exitCode);
    return exitCode;
  }
}

/** Writes the one-line report of a failure (and with `debug` its stack) to stderr. */
function reportFailure(err: unknown, spec: CommandSpec, debug: boolean, io: Io): { message: string; exitCode: number } {
  const message = describeFailure(err, spec);
  io.stderr.write(`ncomp ${spec.name}: ${message}\n`);
  if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return { message, exitCode: failureExitCode(err) };
}

/** Reads a byte source to its end. */
async function readAll(source: ByteSource): Promise<Uint8Array> {
  if (source.isTTY === true) throw new InvalidArgumentError('stdin is a terminal: pipe the input in (ncomp compress - < photo.png), or give a file');
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  const all = Buffer.concat(chunks);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

function parseCommandArgs(spec: CommandSpec, argv: readonly string[], rest: readonly string[], io: Io, json: { printed: boolean }): CommandContext {
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
  const jsonMode = values['json'] === true;
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
    print: (line) => {
      if (!jsonMode) io.stdout.write(`${line}\n`);
      else if (!quiet) io.stderr.write(`${line}\n`);
    },
    json: jsonMode,
    printJson: (doc) => {
      json.printed = true;
      io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    },
    progress: quiet ? { write: () => true, isTTY: false } : progressStream(io.stderr, ansiAllowed(io.env ?? process.env)),
    stdoutIsTTY: io.stdout.isTTY === true,
    writeData: (bytes) => io.stdout.write(bytes),
    readStdin: () => readAll(io.stdin ?? process.stdin),
    fail: (err) => reportFailure(err, spec, values['debug'] === true, io),
  };
}

/** Progress bars draw on stderr: redrawn in place on a terminal, with escape codes only when allowed. */
function progressStream(stderr: TextSink, ansi: boolean): ProgressStream {
  return {
    write: (text) => stderr.write(text),
    get isTTY() {
      return stderr.isTTY === true;
    },
    get columns() {
      return stderr.columns;
    },
    ansi,
  };
}
