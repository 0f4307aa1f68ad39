import * as tf from '@tensorflow/tfjs-core';
import { setBackend, conv2dTranspose } from '@ncomp/core';
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
function timeIt(f, runs = 5) { f(); const ts = []; for (let i = 0; i < runs; i++) { const t = performance.now(); f(); ts.push(performance.now() - t); } return med(ts); }
const backend = process.argv[2];
await setBackend(backend);
const x = tf.randomNormal([4, 32, 32, 32]); const f = tf.randomNormal([3, 3, 32, 32]);
const fwd = timeIt(() => tf.tidy(() => tf.conv2d(x, f, 1, 'same').dataSync()));
const bwd = timeIt(() => tf.tidy(() => { const g = tf.grads((a, b) => tf.sum(tf.conv2d(a, b, 1, 'same')))([x, f]); g[0].dataSync(); g[1].dataSync(); }), 3);
const z = tf.randomNormal([1, 24, 16, 64]); const ft = tf.randomNormal([5, 5, 64, 64]);
const tStock = timeIt(() => tf.tidy(() => tf.conv2dTranspose(z, ft, [1, 48, 32, 64], 2, 'same').dataSync()), 3);
const tOurs = timeIt(() => tf.tidy(() => conv2dTranspose(z, ft, [1, 48, 32, 64], 2, 'same').dataSync()), 3);
console.log(backend, 'conv3x3 32->32 4x32x32: fwd', fwd.toFixed(1), 'ms, fwd+bwd', bwd.toFixed(1), 'ms | tconv5x5 s2 64->64 24x16->48x32: tf.conv2dTranspose', tStock.toFixed(1), 'ms, ncomp conv2dTranspose', tOurs.toFixed(1), 'ms');
