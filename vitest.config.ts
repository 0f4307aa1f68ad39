import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

/**
 * Tests run against the TypeScript sources: each package's public entry points are
 * aliased to their `src/` files, so `npm test` needs no build and tests see exactly
 * what the package exports. Tests run in Node.js, so entry points with a `node` export
 * condition map to their Node.js sources (`index.node.ts`).
 */
const alias = [
  { find: /^@ncomp\/core\/errors$/, replacement: src('core/src/errors/index.ts') },
  { find: /^@ncomp\/core\/safetensors$/, replacement: src('core/src/safetensors/index.node.ts') },
  { find: /^@ncomp\/core\/node$/, replacement: src('core/src/node.ts') },
  { find: /^@ncomp\/core\/browser$/, replacement: src('core/src/browser/index.ts') },
  { find: /^@ncomp\/core\/browser\/(wasm|webgl|webgpu|cpu)$/, replacement: src('core/src/browser/$1.ts') },
  { find: /^@ncomp\/core$/, replacement: src('core/src/index.node.ts') },
  { find: /^@ncomp\/entropy\/coding$/, replacement: src('entropy/src/coding/index.ts') },
  { find: /^@ncomp\/entropy$/, replacement: src('entropy/src/index.ts') },
  { find: /^@ncomp\/layers$/, replacement: src('layers/src/index.ts') },
  { find: /^@ncomp\/losses$/, replacement: src('losses/src/index.ts') },
  { find: /^@ncomp\/models\/container$/, replacement: src('models/src/container/index.ts') },
  { find: /^@ncomp\/models\/node$/, replacement: src('models/src/node.ts') },
  { find: /^@ncomp\/models$/, replacement: src('models/src/index.node.ts') },
  { find: /^@ncomp\/cli$/, replacement: src('cli/src/index.ts') },
];

// @ncomp/core imports TF.js's gradient and chained-op registrations from a bundle its build writes
// (packages/core/scripts/bundle-tfjs-registrations.mjs); write it here too, so that tests run on
// a fresh clone before any build.
const registrations = fileURLToPath(new URL('./packages/core/vendor/tfjs-registrations.js', import.meta.url));
if (!existsSync(registrations)) {
  execFileSync(process.execPath, [fileURLToPath(new URL('./packages/core/scripts/bundle-tfjs-registrations.mjs', import.meta.url))], {
    stdio: 'inherit',
  });
}

const project = (name: string) => ({
  resolve: { alias },
  test: {
    name,
    root: `packages/${name}`,
    include: ['src/**/*.test.ts'],
    // Registers the cpu backend, which tests that set none use (as an application would import one).
    setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

/**
 * The API reference's examples (scripts/doc-examples.ts): each runs as a module of its own, with no
 * backend registered beforehand (an example chooses one, as a user's program must).
 */
const docExamples = {
  resolve: { alias },
  test: {
    name: 'doc-examples',
    root: '.',
    include: ['scripts/doc-examples.test.ts'],
    testTimeout: 120_000,
  },
};

/**
 * The demo page in headless Chromium (examples/browser-demo): needs the built packages, as
 * the page is bundled from their dist/ like an application's would be.
 */
const browser = {
  resolve: { alias },
  test: {
    name: 'browser',
    root: 'examples/browser-demo',
    include: ['*.test.ts'],
    setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
};

export default defineConfig({
  test: {
    projects: [project('core'), project('entropy'), project('layers'), project('losses'), project('models'), project('cli'), docExamples, browser],
  },
});
