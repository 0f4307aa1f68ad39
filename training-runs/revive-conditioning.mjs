#!/usr/bin/env node
/**
 * MRIC's β conditioning, checked and, if asked, revived in a model or checkpoint file.
 *
 * MRIC's synthesis reads β through f = relu(fc2(relu(fc1(fourier(β))))), shared by every
 * conditional residual block (an additive per-channel shift P_i f). If every output unit of
 * fc2 is negative for every β, f is 0, no gradient reaches fc1, fc2 or the P_i, and β
 * changes nothing: the units are dead for good. This is what happened to mric-small in
 * stage 1: at step 8,000, 17 of its 64 units were alive anywhere over β in [0, 5.12], none
 * varying by more than 0.22.
 *
 *   node training-runs/revive-conditioning.mjs <file.safetensors>            # report only
 *   node training-runs/revive-conditioning.mjs <file.safetensors> --revive   # rewrite the file
 *   node training-runs/revive-conditioning.mjs <file.safetensors> --revive --frequencies 2
 *
 * --revive draws fc1 and fc2 again (Glorot-uniform kernels, as Dense does, from a fixed seed;
 * zero biases) and sets the projections P_i to zero, so that the synthesis computes exactly
 * what it did (the shifts are 0) while f is alive again: the projections learn first (their
 * gradient is f times the shift's), then the MLP. Works on a model file (`ncomp export`) or a
 * checkpoint's `*-model-*.safetensors`; everything else in the file is kept as it is.
 *
 * --frequencies N (with --revive, on a model file) also changes the configuration's
 * `fourierFrequencies` to N, so fc1 reads 1 + 2N features of β (β, sin 2^k β, cos 2^k β for
 * k < N). The reference's 10 frequencies put sin(512 β) into f: over β in [0, 5.12] the
 * upper ones are noise to a small MLP, and what they add to the synthesis only hurts the
 * loss, which is the simplest explanation of why stage 1 switched f off.
 * Run from the repository root after `npm run build`.
 */
import { setBackend } from '@ncomp/core';
import { readSafetensorsFile, writeSafetensorsFile } from '@ncomp/core/safetensors';
import { ConditioningMlp, fourierFeatures } from '@ncomp/layers';
import * as tf from '@tensorflow/tfjs-core';

const [path, flag, freqFlag, freqText] = process.argv.slice(2);
const frequencies = freqFlag === '--frequencies' ? Number(freqText) : undefined;
if (
  !path ||
  (flag !== undefined && flag !== '--revive') ||
  (freqFlag !== undefined && !(freqFlag === '--frequencies' && Number.isInteger(frequencies) && frequencies >= 0))
) {
  console.error('usage: node training-runs/revive-conditioning.mjs <file.safetensors> [--revive [--frequencies <n>]]');
  process.exit(2);
}
const file = await readSafetensorsFile(path);
const t = file.tensors;
const name = (k) => [...t.keys()].find((n) => n.endsWith(k));
const fc = ['fc1', 'fc2'].map((l) => ({ kernel: name(`conditioning.${l}.kernel`), bias: name(`conditioning.${l}.bias`) }));
if (fc.some((l) => !l.kernel || !l.bias)) {
  console.error(`${path}: no β conditioning MLP (…conditioning.fc1 / fc2): not an MRIC model`);
  process.exit(1);
}
const projections = [...t.keys()].filter((n) => /\.proj\d+\.kernel$/.test(n));

const BETAS = Array.from({ length: 65 }, (_, i) => (i * 5.12) / 64);

/** f over {@link BETAS} ([β][unit]), computed by the library's own MLP and Fourier features with the file's weights. */
async function features() {
  const [k1, b1, k2, b2] = [fc[0].kernel, fc[0].bias, fc[1].kernel, fc[1].bias].map((n) => t.get(n));
  const mlp = new ConditioningMlp({ inputFeatures: k1.shape[0], features: k2.shape[1] });
  const tensor = (v) => tf.tensor(v.data, [...v.shape], 'float32');
  const dict = { 'fc1.kernel': tensor(k1), 'fc1.bias': tensor(b1), 'fc2.kernel': tensor(k2), 'fc2.bias': tensor(b2) };
  mlp.loadStateDict(dict);
  const x = fourierFeatures(BETAS, (k1.shape[0] - 1) / 2);
  const f = mlp.call(x);
  const rows = await f.array();
  tf.dispose([x, f, ...Object.values(dict)]);
  mlp.dispose();
  return rows;
}

async function report(label) {
  const fs = await features();
  const units = fs[0].length;
  const alive = Array.from({ length: units }, (_, j) => fs.some((f) => f[j] > 0)).filter(Boolean).length;
  const spread = Math.max(...Array.from({ length: units }, (_, j) => Math.max(...fs.map((f) => f[j])) - Math.min(...fs.map((f) => f[j]))));
  const pNorm = Math.sqrt(projections.reduce((a, n) => a + t.get(n).data.reduce((s, v) => s + v * v, 0), 0));
  console.log(`${label}: ${alive} of ${units} units of f alive over β in [0, 5.12] (largest range of a unit ${spread.toFixed(4)}); |P| = ${pNorm.toFixed(3)} over ${projections.length} projections`);
}

await setBackend('wasm');
await report(path);
if (flag === '--revive') {
  const rows = await features(); // the old f, before anything changes
  let seed = 0x6d726963;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  const next = new Map(t);
  let metadata = file.metadata;
  if (frequencies !== undefined) {
    const config = JSON.parse(metadata['ncomp.config'] ?? 'null');
    if (config?.fourierFrequencies === undefined) {
      console.error(`${path}: --frequencies needs a model file (ncomp export) with the MRIC configuration in its metadata`);
      process.exit(1);
    }
    metadata = { ...metadata, 'ncomp.config': JSON.stringify({ ...config, fourierFrequencies: frequencies }) };
    const k1 = t.get(fc[0].kernel);
    t.set(fc[0].kernel, { ...k1, shape: [1 + 2 * frequencies, k1.shape[1]], data: new Float32Array((1 + 2 * frequencies) * k1.shape[1]) });
  }
  for (const { kernel, bias } of fc) {
    const k = t.get(kernel);
    const limit = Math.sqrt(6 / (k.shape[0] + k.shape[1]));
    next.set(kernel, { dtype: 'F32', shape: k.shape, data: Float32Array.from(k.data, () => (2 * random() - 1) * limit) });
    next.set(bias, { dtype: 'F32', shape: t.get(bias).shape, data: new Float32Array(t.get(bias).data.length) });
  }
  // The old f is close to constant in β (that is the failure): its mean shift P_i f̄ moves
  // into the biases of the convolutions after it (conv2 after proj1, conv3 after proj2 and
  // proj3), so that zeroing P_i leaves the synthesis as it was (exactly for the 1x1 conv3;
  // for the 3x3 conv2, except where its window covers the zero padding at the image border).
  const mean = rows[0].map((_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
  const shiftOf = (proj) => {
    const k = t.get(proj);
    const out = k.shape[1];
    return Array.from({ length: out }, (_, o) => mean.reduce((a, fj, j) => a + fj * k.data[j * out + o], 0));
  };
  const addToBias = (conv, c, extra) => {
    const k = t.get(`${conv}.kernel`);
    const b = t.get(`${conv}.bias`);
    const [kh, kw, cin, cout] = k.shape;
    const data = Float32Array.from(b.data);
    for (let o = 0; o < cout; o++) {
      let acc = extra ? extra[o] : 0;
      for (let p = 0; p < kh * kw; p++) for (let i = 0; i < cin; i++) acc += k.data[(p * cin + i) * cout + o] * c[i];
      data[o] += acc;
    }
    next.set(`${conv}.bias`, { dtype: 'F32', shape: b.shape, data });
  };
  for (const block of new Set(projections.map((n) => n.replace(/\.proj\d+\.kernel$/, '')))) {
    addToBias(`${block}.conv2`, shiftOf(`${block}.proj1.kernel`));
    addToBias(`${block}.conv3`, shiftOf(`${block}.proj2.kernel`), shiftOf(`${block}.proj3.kernel`));
  }
  for (const n of projections) next.set(n, { dtype: 'F32', shape: t.get(n).shape, data: new Float32Array(t.get(n).data.length) });
  await writeSafetensorsFile(path, next, { metadata, overwrite: true });
  for (const [n, v] of next) t.set(n, v);
  await report(`${path} (revived)`);
}
