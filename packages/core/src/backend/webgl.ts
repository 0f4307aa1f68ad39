/**
 * TF.js's WebGL backend (`@tensorflow/tfjs-backend-webgl`, an optional peer), for
 * browsers: WebGL 2 is a browser API, so this backend does not run in Node.js.
 *
 * What `auto` checks before choosing it:
 * - a WebGL 2 context can be made at all (a browser may disable or block WebGL);
 * - the renderer is a GPU: headless browsers and machines without a GPU driver render
 *   with a software rasterizer (SwiftShader, llvmpipe), measured slower than the wasm
 *   backend for ncomp's convolutions, so `auto` passes over it (an explicit `webgl` takes it);
 * - TF.js renders to 32-bit float textures (`WEBGL_RENDER_FLOAT32_CAPABLE`); with only
 *   16-bit floats (some mobile GPUs) decoded pixels would be visibly less exact.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activate, failed, type Attempt } from './attempt.js';
import { tryImport, type PackageImporter } from './import-package.js';

/** The npm package with TF.js's WebGL kernels. */
export const WEBGL_BACKEND_PACKAGE = '@tensorflow/tfjs-backend-webgl';

/** What {@link probeWebgl} found. */
export interface WebglProbe {
  /** Whether a WebGL 2 context could be made. */
  readonly available: boolean;
  /** The renderer's name (unmasked when the browser allows), or '' when unavailable. */
  readonly renderer: string;
  /** True for a software rasterizer (SwiftShader, llvmpipe / lavapipe, "Software"). */
  readonly software: boolean;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|software/i;

/** A 1x1 canvas to ask for a context: OffscreenCanvas where there is one (workers too), else a DOM canvas. */
function scratchCanvas(): OffscreenCanvas | HTMLCanvasElement | undefined {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(1, 1);
  if (typeof document !== 'undefined') return document.createElement('canvas');
  return undefined;
}

/**
 * Makes a throwaway WebGL 2 context and reads its renderer's name, then releases it.
 * Returns `available: false` in Node.js and wherever WebGL 2 is missing or blocked.
 */
export function probeWebgl(): WebglProbe {
  const none: WebglProbe = { available: false, renderer: '', software: false };
  const canvas = scratchCanvas();
  if (canvas === undefined) return none;
  let gl: WebGL2RenderingContext | null = null;
  try {
    gl = canvas.getContext('webgl2') as WebGL2RenderingContext | null;
  } catch {
    return none;
  }
  if (gl === null) return none;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info === null ? gl.RENDERER : info.UNMASKED_RENDERER_WEBGL) ?? '');
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { available: true, renderer, software: SOFTWARE_RENDERER.test(renderer) };
}

/**
 * Imports the WebGL backend package and activates the `webgl` backend (browsers only).
 * `auto` passes over a missing context, a software renderer and 16-bit float rendering;
 * an explicit `webgl` accepts a software renderer, saying so.
 *
 * @param importer - How to import the package.
 * @param auto - Whether `auto` is choosing (stricter) or the caller asked for `webgl`.
 */
export async function tryWebgl(importer: PackageImporter, auto: boolean): Promise<Attempt> {
  const pkg = WEBGL_BACKEND_PACKAGE;
  const probe = probeWebgl();
  if (!probe.available) return failed(pkg, 'unusable', undefined, 'no WebGL 2 context (WebGL is disabled, blocked or unsupported here)');
  if (auto && probe.software) {
    return failed(pkg, 'unusable', undefined, `only a software WebGL renderer (${probe.renderer}), slower than wasm; choose 'webgl' to use it anyway`);
  }
  const outcome = await tryImport(importer, pkg);
  if (outcome.status === 'missing') return failed(pkg, 'missing', outcome.error, 'not installed');
  if (outcome.status === 'failed') return failed(pkg, 'failed', outcome.error);
  if (tf.engine().registryFactory['webgl'] === undefined) {
    const error = new Error(
      `${pkg} loaded but registered no 'webgl' backend with the @tensorflow/tfjs-core ${tf.version_core} that @ncomp/core uses; ` +
        'install matching versions so that the bundle holds one copy of @tensorflow/tfjs-core',
    );
    return failed(pkg, 'failed', error);
  }
  const error = await activate('webgl');
  if (error !== undefined) return failed(pkg, 'failed', error);
  if (auto && !tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE')) {
    return failed(pkg, 'unusable', undefined, `${probe.renderer} renders 16-bit floats only, less exact than wasm; choose 'webgl' to use it anyway`);
  }
  const note = probe.software ? ' (a software renderer: expect it to be slower than wasm)' : '';
  return { ok: true, detail: `WebGL 2 on ${probe.renderer}${note}` };
}
