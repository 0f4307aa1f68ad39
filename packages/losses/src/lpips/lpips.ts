/**
 * LPIPS, the learned perceptual image patch similarity (Zhang, Isola, Efros, Shechtman
 * and Wang, "The unreasonable effectiveness of deep features as a perceptual metric",
 * CVPR 2018), version 0.1.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SafetensorsFile } from '@ncomp/core';
import { detectRuntime, InvalidArgumentError, Module, NcompError, readSafetensors, ShapeError } from '@ncomp/core';
import { checkImagePair, describeShape } from '../internal/checks.js';
import type { Reduced, Reduction, ReductionOptions } from '../reduction.js';
import { checkReduction, reduce } from '../reduction.js';
import type { Backbone, LpipsNet } from './backbone.js';
import { backbone, LPIPS_NETS, minimumInputSize } from './backbone.js';
import { backboneFeatures } from './features.js';
import { tapDistance } from './tap-distance.js';
import type { CheckedWeights } from './weights.js';
import { checkLpipsWeights } from './weights.js';
import { WeightTree } from './weight-tree.js';
import type * as CoreNodeModule from '@ncomp/core/node';

/** The module `@ncomp/core/node`. */
type CoreNode = typeof CoreNodeModule;

/**
 * `@ncomp/core/node`, imported when a file is to be read (Node.js only). The specifier is
 * computed, so bundlers leave it out and browser bundles of @ncomp/losses hold no `node:`
 * module.
 */
async function coreNode(): Promise<CoreNode> {
  if (detectRuntime() !== 'node') {
    throw new InvalidArgumentError(
      'Lpips.fromFile reads a file from disk and needs Node.js; in a browser, fetch the weights and call Lpips.fromSafetensors(bytes, net)',
    );
  }
  const specifier = '@ncomp/core/node';
  return (await import(/* @vite-ignore */ specifier)) as CoreNode;
}

/** LPIPS v0.1 input shift per RGB channel, applied after scaling to `[-1, 1]`. */
const SHIFT = [-0.03, -0.088, -0.188] as const;
/** LPIPS v0.1 input scale per RGB channel. */
const SCALE = [0.458, 0.448, 0.45] as const;

function checkNet(fn: string, net: unknown): asserts net is LpipsNet {
  if (!(LPIPS_NETS as readonly unknown[]).includes(net)) {
    throw new InvalidArgumentError(`${fn}: net must be one of ${LPIPS_NETS.join(', ')}; found ${JSON.stringify(net)}`);
  }
}

/**
 * LPIPS v0.1 distance with a frozen AlexNet, SqueezeNet-1.1 or VGG16 backbone.
 *
 * For images `x`, `y` in `[0, 1]`: both are mapped to `[-1, 1]` and normalized per
 * channel, `(v - shift) / scale` with shift `[-0.030, -0.088, -0.188]` and scale
 * `[0.458, 0.448, 0.450]`; the backbone's activations are taken at its taps (AlexNet
 * and VGG: 5, SqueezeNet: 7); at each tap the feature vectors are unit-normalized over
 * channels (`f / (||f|| + 1e-10)`), their squared difference is weighted per channel by
 * the linear head `lin<k>` (a 1x1 conv without bias) and averaged over space; the
 * distance is the sum over taps. 0 for identical images, symmetric, non-negative.
 *
 * Weights come from safetensors files in PyTorch layout (the names and shapes of
 * {@link lpipsWeightShapes}); conv kernels are transposed from OIHW to HWIO on loading.
 * All weights are non-trainable variables, so `tf.grad` / optimizers only reach the
 * inputs: the distance is differentiable with respect to `x` and `y` and can serve as a
 * perceptual training loss (HiFiC, MRIC). A `Module`: dispose it when done.
 *
 * @example
 * Needs the weights, converted from the reference implementation's (not shipped):
 * ```ts no-run
 * import * as tf from '@tensorflow/tfjs-core';
 * import { setBackend } from '@ncomp/core';
 * import { Lpips } from '@ncomp/losses';
 *
 * await setBackend('auto');
 * const lpips = await Lpips.fromFile('lpips_alex_v0.1.safetensors', 'alex');
 * const x = tf.randomUniform([2, 64, 64, 3]) as tf.Tensor4D; // NHWC in [0, 1]
 * const y = tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, 0.05)), 0, 1) as tf.Tensor4D;
 * const d = lpips.distance(x, y); // [2]: one distance per image, 0 for identical images
 * console.log(await d.data());
 * tf.dispose([x, y, d]);
 * lpips.dispose();
 * ```
 */
export class Lpips extends Module {
  /** The backbone. */
  readonly net: LpipsNet;
  /** Smallest height and width {@link Lpips.distance} accepts (every tap needs a pixel). */
  readonly minimumSize: number;
  readonly #backbone: Backbone;
  readonly #weights = new Map<string, tf.Variable>();

  private constructor(net: LpipsNet, weights: CheckedWeights) {
    super();
    this.net = net;
    this.#backbone = backbone(net);
    this.minimumSize = minimumInputSize(this.#backbone);
    const tree = this.addModule('weights', new WeightTree());
    try {
      for (const [name, { shape, data }] of weights) {
        const variable = tree.put(name, () => {
          const t = tf.tensor(data instanceof Float32Array ? data : Float32Array.from(data), [...shape], 'float32');
          // PyTorch OIHW -> TF.js HWIO.
          return shape.length === 4 ? tf.transpose(t, [2, 3, 1, 0]) : t;
        });
        this.#weights.set(name, variable);
      }
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /**
   * Loads LPIPS weights from a safetensors file (PyTorch layout, names and shapes of
   * {@link lpipsWeightShapes}). F16, BF16 and F64 files are accepted and converted to
   * float32.
   *
   * @param path - The weights file, e.g. `lpips_alex_v0.1.safetensors`.
   * @param net - The backbone the weights are for.
   * @returns A new model (dispose it when done).
   * Node.js only; in a browser, fetch the bytes and call {@link Lpips.fromSafetensors}.
   *
   * @throws InvalidArgumentError for a missing file or unknown `net`, or outside Node.js; ModelMismatchError
   *   listing every missing, unexpected, misshapen or non-float tensor;
   *   CorruptStreamError / UnsupportedFormatError for a damaged file.
   */
  static async fromFile(path: string, net: LpipsNet): Promise<Lpips> {
    checkNet('Lpips.fromFile', net);
    let file: SafetensorsFile;
    try {
      file = await (await coreNode()).readSafetensorsFile(path);
    } catch (err) {
      if (err instanceof InvalidArgumentError && !(err.cause instanceof NcompError)) {
        throw new InvalidArgumentError(`Lpips.fromFile: cannot load LPIPS '${net}' weights: ${err.message}`, {
          cause: err,
        });
      }
      throw err;
    }
    return new Lpips(net, checkLpipsWeights(file, net, path));
  }

  /**
   * Builds LPIPS from safetensors bytes or an already decoded file. See
   * {@link Lpips.fromFile}.
   *
   * @param source - The file's bytes, or the result of `readSafetensors`.
   * @param net - The backbone the weights are for.
   * @param sourceName - What to call the data in error messages. Default `"LPIPS weights"`.
   * @returns A new model (dispose it when done).
   * @throws ModelMismatchError, CorruptStreamError, UnsupportedFormatError as for
   *   {@link Lpips.fromFile}.
   */
  static fromSafetensors(source: Uint8Array | SafetensorsFile, net: LpipsNet, sourceName = 'LPIPS weights'): Lpips {
    checkNet('Lpips.fromSafetensors', net);
    const file = source instanceof Uint8Array ? readSafetensors(source) : source;
    return new Lpips(net, checkLpipsWeights(file, net, sourceName));
  }

  /**
   * LPIPS distance between two image batches, per image.
   *
   * @typeParam R - The reduction; `'none'` unless given.
   * @param x - RGB images, NHWC float32 `[batch, height, width, 3]`, values in `[0, 1]`;
   *   height and width at least {@link Lpips.minimumSize}.
   * @param y - Images of the same shape.
   * @param options - `reduction`: `'none'` (default) returns `[batch]`, `'mean'` the
   *   batch mean (use that as a training loss).
   * @returns The distance (unitless, typically 0 to 1), `[batch]` or a scalar.
   * @throws ShapeError for different shapes, a rank other than 4, other than 3 channels
   *   or images below the minimum size; InvalidArgumentError for a non-float32 tensor,
   *   a bad reduction or a disposed model.
   */
  distance<R extends Reduction = 'none'>(x: tf.Tensor4D, y: tf.Tensor4D, options: ReductionOptions<R> = {}): Reduced<R> {
    const fn = 'Lpips.distance';
    if (this.isDisposed) throw new InvalidArgumentError(`${fn}: this LPIPS model has been disposed`);
    checkImagePair(fn, x, y);
    const reduction = options.reduction ?? 'none';
    checkReduction(fn, reduction);
    const [n, h, w, c] = x.shape;
    if (c !== 3) throw new ShapeError(`${fn}: images must have 3 (RGB) channels, found ${describeShape(x.shape)}`);
    if (h < this.minimumSize || w < this.minimumSize) {
      throw new ShapeError(`${fn}: LPIPS '${this.net}' needs images of at least ${this.minimumSize}x${this.minimumSize} pixels, found ${h}x${w}`);
    }
    return tf.tidy(() => {
      // [0, 1] -> [-1, 1] -> (v - shift) / scale, as one multiply-add per channel.
      const gain = tf.tensor1d(SCALE.map((s) => 2 / s));
      const offset = tf.tensor1d(SCALE.map((s, i) => -(1 + SHIFT[i]!) / s));
      const input = tf.add(tf.mul(tf.concat([x, y], 0), gain), offset) as tf.Tensor4D;
      const lookup = (name: string): tf.Tensor => this.#weights.get(name)!;
      const taps = backboneFeatures(this.#backbone, lookup, input);
      const terms = taps.map((features, k) => tapDistance(features, this.#weights.get(`lin${k}.weight`)!, n));
      const total = tf.addN(terms) as tf.Tensor1D;
      return reduce(total, reduction as R);
    });
  }
}
