import { rangeCoder, ransCoder } from '../src/coding/index.js';
import { workloadW1, workloadW2 } from './workloads.js';
const which = process.argv[2] ?? 'W2';
const w = which === 'W1' ? workloadW1(2_000_000) : workloadW2(2_000_000);
for (const c of [rangeCoder, ransCoder]) {
  let be = 0, bd = 0, bytes = c.encode(w.values, w.indexes, w.tables);
  for (let r = 0; r < 9; r++) {
    let t = performance.now(); bytes = c.encode(w.values, w.indexes, w.tables); be = Math.max(be, 2e6 / (performance.now() - t) / 1000);
    t = performance.now(); c.decode(bytes, w.indexes, w.tables); bd = Math.max(bd, 2e6 / (performance.now() - t) / 1000);
  }
  console.log(which, c.name, 'enc', be.toFixed(1), 'dec', bd.toFixed(1));
}
