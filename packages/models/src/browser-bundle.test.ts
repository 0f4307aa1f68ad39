/**
 * The browser entry points bundle for a browser with no shims: esbuild (platform
 * `browser`, as a page's build would run it) bundles @ncomp/models and @ncomp/core/browser
 * from the sources, and no `node:` module (nor a Node.js built-in by its bare name) is among
 * the bundle's inputs. The Node.js entry points are bundled too, as a control: they must
 * pull Node.js modules in, or this test could not fail.
 */
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';

const src = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Browser entry points of the workspace packages, by specifier (what a browser's resolver picks). */
const BROWSER_ENTRIES: Readonly<Record<string, string>> = {
  '@ncomp/core': src('core/src/index.ts'),
  '@ncomp/core/errors': src('core/src/errors/index.ts'),
  '@ncomp/core/safetensors': src('core/src/safetensors/index.ts'),
  '@ncomp/core/browser': src('core/src/browser/index.ts'),
  '@ncomp/entropy': src('entropy/src/index.ts'),
  '@ncomp/entropy/coding': src('entropy/src/coding/index.ts'),
  '@ncomp/layers': src('layers/src/index.ts'),
  '@ncomp/losses': src('losses/src/index.ts'),
  '@ncomp/models': src('models/src/index.ts'),
  '@ncomp/models/container': src('models/src/container/index.ts'),
};

/** Resolves `@ncomp/*` to the sources (browser entries); everything else as esbuild does. */
const workspace: esbuild.Plugin = {
  name: 'ncomp-workspace',
  setup(build) {
    build.onResolve({ filter: /^@ncomp\// }, (args) => {
      const path = BROWSER_ENTRIES[args.path];
      return path === undefined ? { errors: [{ text: `no browser entry for ${args.path}` }] } : { path };
    });
  },
};

const NODE_BUILTINS = new Set(builtinModules);

/** Bundles `entry` for a browser; returns the Node.js modules among its inputs and esbuild's errors. */
async function bundle(entry: string): Promise<{ nodeModules: string[]; errors: string[]; inputs: string[] }> {
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [workspace],
    });
    const inputs = Object.keys(result.metafile.inputs);
    return { nodeModules: inputs.filter((p) => p.startsWith('node:') || NODE_BUILTINS.has(p)), errors: [], inputs };
  } catch (err) {
    const errors = ((err as { errors?: esbuild.Message[] }).errors ?? []).map((m) => m.text);
    return { nodeModules: [], errors: errors.length > 0 ? errors : [String(err)], inputs: [] };
  }
}

describe('browser bundles', () => {
  it('@ncomp/models (with core, entropy, layers, losses) bundles for a browser and imports no node: module', async () => {
    const { nodeModules, errors, inputs } = await bundle(src('models/src/index.ts'));
    expect(errors).toEqual([]);
    expect(nodeModules).toEqual([]);
    // It is the whole stack, not an empty shell.
    for (const part of ['core/src/exact/', 'entropy/src/coding/', 'layers/src/', 'losses/src/', 'models/src/model-file/model-url.ts']) {
      expect(inputs.some((p) => p.includes(`packages/${part}`))).toBe(true);
    }
  });

  it('@ncomp/core/browser bundles the wasm, webgl, webgpu and cpu backends statically', async () => {
    const { nodeModules, errors, inputs } = await bundle(src('core/src/browser/index.ts'));
    expect(errors).toEqual([]);
    expect(nodeModules).toEqual([]);
    for (const pkg of ['tfjs-backend-wasm', 'tfjs-backend-webgl', 'tfjs-backend-webgpu', 'tfjs-backend-cpu']) {
      expect(inputs.some((p) => p.includes(`node_modules/@tensorflow/${pkg}/`))).toBe(true);
    }
  });

  it('the Node.js entry points do not bundle for a browser (the control)', async () => {
    for (const entry of ['core/src/index.node.ts', 'models/src/index.node.ts']) {
      const { errors } = await bundle(src(entry));
      expect(errors.some((e) => /node:fs|node:url|node:worker_threads|node:crypto/.test(e))).toBe(true);
    }
  });
});
