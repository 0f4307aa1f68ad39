import { NcompError, type Module } from '@ncomp/core';
import type * as tf from '@tensorflow/tfjs-core';
import { WeightNormConv2d } from './weight-norm-conv2d.js';

/** Every {@link WeightNormConv2d} of a module and its descendants. */
function weightNormConvs(module: Module): WeightNormConv2d[] {
  const out: WeightNormConv2d[] = module instanceof WeightNormConv2d ? [module] : [];
  for (const child of module.children().values()) out.push(...weightNormConvs(child));
  return out;
}

/**
 * The data-dependent initialisation of every weight-normalized convolution of a network
 * (Salimans & Kingma 2016; TFA `WeightNormalization(data_init=True)`, which EGIC's OASIS-C
 * uses): arms each one ({@link WeightNormConv2d.initializeOnNextCall}), runs `pass` once, in
 * which each convolution, in the order the pass reaches it, normalises its own outputs on
 * the inputs the already-initialised layers before it give. Run it outside any gradient
 * tape, on a training batch.
 * @param module - The network.
 * @param pass - One forward pass of the network (its outputs are disposed here).
 * @returns How many convolutions were initialised.
 * @throws NcompError when the pass did not reach every weight-normalized convolution.
 */
export function weightNormDataInit(module: Module, pass: () => tf.Tensor | readonly tf.Tensor[]): number {
  const convs = weightNormConvs(module);
  for (const c of convs) c.initializeOnNextCall();
  const out = pass();
  for (const t of Array.isArray(out) ? (out as readonly tf.Tensor[]) : [out as tf.Tensor]) t.dispose();
  const missed = convs.filter((c) => c.awaitingInitialization).length;
  for (const c of convs) c.initializeOnNextCall(false);
  if (missed > 0) throw new NcompError(`weightNormDataInit: the pass reached ${convs.length - missed} of ${convs.length} weight-normalized convolutions`);
  return convs.length;
}
