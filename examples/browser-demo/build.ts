/**
 * Builds the demo page into a static folder (default examples/browser-demo/dist):
 * main.js (esbuild bundle of src/main.ts for browsers, minified, with a source map),
 * index.html, the wasm backend's three .wasm binaries and the default model
 * (default.safetensors), all beside each other, so any static server can serve it.
 *
 * Usage: npx tsx examples/browser-demo/build.ts [outDir]   (after `npm run build`)
 *
 * Bundling resolves @ncomp/* through the workspace packages' `exports` (their dist/, the
 * browser entries), as an application's bundler would. Prints the sizes (raw and gzip).
 */
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Size of a built file in bytes, as served and gzipped (level 9). */
export interface BuiltSize {
  readonly raw: number;
  readonly gzip: number;
}

/** The files a build writes besides main.js, and where they come from. */
function assets(): Record<string, string> {
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  const modelsDir = dirname(require.resolve('@ncomp/models/package.json'));
  return {
    'index.html': join(HERE, 'index.html'),
    'tfjs-backend-wasm.wasm': join(wasmDir, 'tfjs-backend-wasm.wasm'),
    'tfjs-backend-wasm-simd.wasm': join(wasmDir, 'tfjs-backend-wasm-simd.wasm'),
    'tfjs-backend-wasm-threaded-simd.wasm': join(wasmDir, 'tfjs-backend-wasm-threaded-simd.wasm'),
    'default.safetensors': join(modelsDir, 'weights', 'default.safetensors'),
  };
}

/**
 * Builds the page into `outDir`.
 * @returns The size of each file written, by name.
 */
export async function buildDemo(outDir = join(HERE, 'dist')): Promise<Record<string, BuiltSize>> {
  const models = join(HERE, '../../packages/models/dist/index.js');
  if (!existsSync(models)) throw new Error('packages/models/dist is missing: run `npm run build` first');
  mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(HERE, 'src/main.ts')],
    outfile: join(outDir, 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const [name, from] of Object.entries(assets())) copyFileSync(from, join(outDir, name));
  const sizes: Record<string, BuiltSize> = {};
  for (const name of ['main.js', ...Object.keys(assets())]) {
    const bytes = readFileSync(join(outDir, name));
    sizes[name] = { raw: statSync(join(outDir, name)).size, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? join(HERE, 'dist');
  const sizes = await buildDemo(outDir);
  console.log(`browser demo built into ${outDir}`);
  for (const [name, { raw, gzip }] of Object.entries(sizes)) {
    console.log(`  ${name.padEnd(38)} ${(raw / 1024).toFixed(0).padStart(6)} KB  (gzip ${(gzip / 1024).toFixed(0)} KB)`);
  }
}
