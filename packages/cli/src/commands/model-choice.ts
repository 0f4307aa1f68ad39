import { BACKEND_CHOICES, InvalidArgumentError, NcompError, errorCode, setBackend, type BackendChoice, type BackendReport } from '@ncomp/core';
import {
  DEFAULT_MAX_PIXELS,
  DEFAULT_MODEL_FILE,
  MODEL_FILE_KEYS,
  isShippedModelName,
  loadModelFile,
  shippedModelFile,
  shippedModelNames,
  type LoadedModel,
} from '@ncomp/models';
import { access, open } from 'node:fs/promises';
import type { CommandContext } from './context.js';
import { parseDecimal } from './parse-number.js';

/** Selects the backend from `--backend` (default auto) and logs the choice. */
export async function chooseBackend(ctx: CommandContext): Promise<BackendReport> {
  const choice = ctx.option('backend') ?? 'auto';
  // The command runs in Node.js, where WebGL (a browser API) does not exist.
  const allowed: readonly string[] = BACKEND_CHOICES.filter((c) => c !== 'webgl');
  if (!allowed.includes(choice)) throw new InvalidArgumentError(`--backend must be one of ${allowed.join(', ')}, found "${choice}"`);
  // Every command reads tensors asynchronously, so auto may take a hardware WebGPU adapter
  // (a software one, such as lavapipe, is still passed over: slower than wasm).
  const report = await setBackend(choice as BackendChoice, { autoWebgpu: true });
  ctx.log(`backend: ${report.chosen}`);
  return report;
}

/**
 * The model file `--model` names: a path, or the name of a model shipped with @ncomp/models
 * (`mric-small` for its `weights/mric-small.safetensors`); absent, the default model.
 * @throws InvalidArgumentError when neither a file nor a shipped model has that name.
 */
export async function modelPath(ctx: CommandContext): Promise<string> {
  const given = ctx.option('model');
  const path = given ?? DEFAULT_MODEL_FILE;
  try {
    await access(path);
    return path;
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
    if (given !== undefined && isShippedModelName(given) && shippedModelNames().includes(given)) return shippedModelFile(given);
    throw new InvalidArgumentError(
      given !== undefined
        ? `no such model file or shipped model: ${given} (shipped: ${shippedModelNames().join(', ')})`
        : `the default model file is missing (${path}); reinstall @ncomp/models or pass --model <file>`,
      { cause: err },
    );
  }
}

/** Loads `--model <file|shipped name>`, or the default model shipped with @ncomp/models. */
export async function chooseModel(ctx: CommandContext): Promise<LoadedModel & { readonly path: string }> {
  const path = await modelPath(ctx);
  try {
    return { ...(await loadModelFile(path)), path };
  } catch (err) {
    if (errorCode(err) === 'EISDIR') throw new InvalidArgumentError(`--model ${path} is a directory; pass a model file (.safetensors)`, { cause: err });
    if (!(err instanceof NcompError) || err.message.startsWith(path)) throw err;
    const Kind = err.constructor as new (message: string, options?: ErrorOptions) => NcompError;
    throw new Kind(`${path}: not a usable ncomp model file: ${err.message}; pass --model <file.safetensors> written by ncomp train or ncomp export`, {
      cause: err,
    });
  }
}

/**
 * The quality range of the default model, read from its file's header alone (the
 * configuration's \`lambdas\`), for help texts; undefined if the file cannot be read.
 */
export async function defaultModelQualityRange(path: string = DEFAULT_MODEL_FILE): Promise<readonly [number, number] | undefined> {
  try {
    const file = await open(path, 'r');
    try {
      const head = Buffer.alloc(8);
      await file.read(head, 0, 8, 0);
      const length = Number(head.readBigUInt64LE(0));
      if (length > 1_000_000) return undefined;
      const json = Buffer.alloc(length);
      await file.read(json, 0, length, 8);
      const metadata = (JSON.parse(json.toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__ ?? {};
      const config = JSON.parse(metadata[MODEL_FILE_KEYS.config] ?? '{}') as { lambdas?: unknown };
      const levels = Array.isArray(config.lambdas) ? config.lambdas.length : 1;
      return [0, Math.max(0, levels - 1)];
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * \`--max-pixels <n>\`: the most (padded) pixels an image may have, default
 * {@link DEFAULT_MAX_PIXELS}.
 * @throws InvalidArgumentError for anything but a positive integer.
 */
export function maxPixelsOption(ctx: CommandContext): number {
  const v = ctx.option('max-pixels');
  if (v === undefined) return DEFAULT_MAX_PIXELS;
  const n = parseDecimal(v);
  if (n === undefined || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError(`--max-pixels must be a positive integer (default ${DEFAULT_MAX_PIXELS}), found "${v}"`);
  return n;
}

/** Parses a number option within [lo, hi]. */
export function numberOption(ctx: CommandContext, name: string, fallback: number | undefined, lo = -Infinity, hi = Infinity): number | undefined {
  const v = ctx.option(name);
  if (v === undefined) return fallback;
  const n = parseDecimal(v);
  if (n === undefined || n < lo || n > hi) throw new InvalidArgumentError(`--${name} must be a number in [${lo}, ${hi}], found "${v}"`);
  return n;
}
