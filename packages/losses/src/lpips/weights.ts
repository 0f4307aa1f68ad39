/**
 * Checking LPIPS weight files against the backbone they are loaded for.
 */
import type { SafetensorsFile, SafetensorsTensor } from '@ncomp/core';
import { ModelMismatchError } from '@ncomp/core';
import { describeShape } from '../internal/checks.js';
import type { LpipsNet } from './backbone.js';
import { LPIPS_NETS, lpipsWeightShapes } from './backbone.js';

/** The float dtypes a weight may be stored as (all are converted to float32). */
const FLOAT_DTYPES: ReadonlySet<string> = new Set(['F32', 'F16', 'BF16', 'F64']);

/** Weights checked against a backbone: float values by name, PyTorch layout. */
export type CheckedWeights = Map<string, { readonly shape: readonly number[]; readonly data: Float32Array | Float64Array }>;

/** Every way `tensors` differs from what backbone `net` needs (empty when it fits). */
function problemsFor(tensors: ReadonlyMap<string, SafetensorsTensor>, net: LpipsNet): string[] {
  const expected = lpipsWeightShapes(net);
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (t === undefined) {
      problems.push(`missing "${name}": expected F32 ${describeShape(shape)}`);
    } else if (!FLOAT_DTYPES.has(t.dtype)) {
      problems.push(`"${name}": expected a float tensor ${describeShape(shape)}, found ${t.dtype} ${describeShape(t.shape)}`);
    } else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      problems.push(`"${name}": expected shape ${describeShape(shape)}, found ${t.dtype} ${describeShape(t.shape)}`);
    }
  }
  for (const [name, t] of tensors) {
    if (!expected.has(name)) {
      problems.push(`unexpected "${name}": found ${t.dtype} ${describeShape(t.shape)}, which LPIPS (${net}) does not use`);
    }
  }
  return problems;
}

/**
 * Checks decoded safetensors content against the weights LPIPS with backbone `net`
 * needs (see `lpipsWeightShapes`): every expected name present with its shape and a
 * float dtype, and no other names.
 *
 * @param file - The decoded file.
 * @param net - The backbone the weights are for.
 * @param source - What to call the data in messages (a file path).
 * @returns The weights by name.
 * @throws ModelMismatchError listing every problem (and naming the backbone the file
 *   fits, if another one does).
 *
 * @internal
 */
export function checkLpipsWeights(file: SafetensorsFile, net: LpipsNet, source: string): CheckedWeights {
  const problems = problemsFor(file.tensors, net);
  if (problems.length > 0) {
    const fits = LPIPS_NETS.filter((other) => other !== net && problemsFor(file.tensors, other).length === 0);
    const hint = fits.length > 0 ? ` (they are LPIPS '${fits[0]}' weights)` : '';
    const shown = problems.slice(0, 40);
    const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : '';
    throw new ModelMismatchError(
      `${source}: weights do not match LPIPS with backbone '${net}'${hint}; ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        shown.map((p) => `  - ${p}`).join('\n') +
        more,
    );
  }
  const out: CheckedWeights = new Map();
  for (const name of lpipsWeightShapes(net).keys()) {
    const t = file.tensors.get(name)!;
    // problemsFor accepted only float dtypes, whose data are Float32Array / Float64Array.
    out.set(name, { shape: t.shape, data: t.data as Float32Array | Float64Array });
  }
  return out;
}
