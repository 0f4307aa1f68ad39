import { BACKEND_CHOICES, InvalidArgumentError, errorCode, setBackend, type BackendChoice, type BackendReport } from '@ncomp/core';
import { DEFAULT_MODEL_FILE, isShippedModelName, loadModelFile, shippedModelFile, shippedModelNames, type LoadedModel } from '@ncomp/models';
import { access } from 'node:fs/promises';
import type { CommandContext } from './context.js';

/** Selects the backend from `--backend` (default auto) and logs the choice. */
export async function chooseBackend(ctx: CommandContext): Promise<BackendReport> {
  const choice = ctx.option('backend') ?? 'auto';
  const allowed: readonly string[] = BACKEND_CHOICES;
  if (!allowed.includes(choice)) throw new InvalidArgumentError(`--backend must be one of ${allowed.join(', ')}, found "${choice}"`);
  const report = await setBackend(choice as BackendChoice);
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
  return { ...(await loadModelFile(path)), path };
}

/** Parses a number option within [lo, hi]. */
export function numberOption(ctx: CommandContext, name: string, fallback: number | undefined, lo = -Infinity, hi = Infinity): number | undefined {
  const v = ctx.option(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi) throw new InvalidArgumentError(`--${name} must be a number in [${lo}, ${hi}], found "${v}"`);
  return n;
}
