import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

/**
 * Tests run against the TypeScript sources: each package's public entry points are
 * aliased to their `src/` files, so `npm test` needs no build and tests see exactly
 * what the package exports.
 */
const alias = [
  { find: /^@ncomp\/core\/errors$/, replacement: src('core/src/errors/index.ts') },
  { find: /^@ncomp\/core\/safetensors$/, replacement: src('core/src/safetensors/index.ts') },
  { find: /^@ncomp\/core$/, replacement: src('core/src/index.ts') },
  { find: /^@ncomp\/entropy\/coding$/, replacement: src('entropy/src/coding/index.ts') },
  { find: /^@ncomp\/entropy$/, replacement: src('entropy/src/index.ts') },
  { find: /^@ncomp\/layers$/, replacement: src('layers/src/index.ts') },
  { find: /^@ncomp\/losses$/, replacement: src('losses/src/index.ts') },
  { find: /^@ncomp\/models\/container$/, replacement: src('models/src/container/index.ts') },
  { find: /^@ncomp\/models$/, replacement: src('models/src/index.ts') },
  { find: /^@ncomp\/cli$/, replacement: src('cli/src/index.ts') },
];

const project = (name: string) => ({
  resolve: { alias },
  test: {
    name,
    root: `packages/${name}`,
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

export default defineConfig({
  test: {
    projects: [project('core'), project('entropy'), project('layers'), project('losses'), project('models'), project('cli')],
  },
});
