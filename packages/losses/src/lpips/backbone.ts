/**
 * LPIPS backbones described as data: the layer sequence of each feature network, from
 * which the expected weights, the minimum input size and the forward pass all follow.
 */

/** The feature networks LPIPS v0.1 defines (Zhang et al. 2018). */
export type LpipsNet = 'alex' | 'squeeze' | 'vgg';

/** Every backbone name, in a stable order. */
export const LPIPS_NETS: readonly LpipsNet[] = Object.freeze(['alex', 'squeeze', 'vgg'] as const);

/**
 * One step of a backbone.
 *
 * - `conv`: convolution with bias followed by ReLU (every convolution of these
 *   networks is followed by one), weights `<name>.weight` (OIHW) and `<name>.bias`;
 *   symmetric zero padding `pad`.
 * - `fire`: a SqueezeNet Fire module (Iandola et al. 2016): 1x1 `squeeze` conv + ReLU,
 *   then the channel concatenation of 1x1 `expand1x1` and 3x3 (pad 1) `expand3x3`
 *   convs, each followed by ReLU.
 * - `maxPool`: max pooling, no padding; `ceil` rounds the output size up as PyTorch's
 *   `ceil_mode=True` does (windows may overhang the bottom / right edge).
 * - `tap`: the current activation is one of the features LPIPS compares.
 */
export type BackboneOp =
  | {
      readonly kind: 'conv';
      readonly name: string;
      readonly inChannels: number;
      readonly outChannels: number;
      readonly kernel: number;
      readonly stride: number;
      readonly pad: number;
    }
  | {
      readonly kind: 'fire';
      readonly name: string;
      readonly inChannels: number;
      readonly squeeze: number;
      readonly expand: number;
    }
  | { readonly kind: 'maxPool'; readonly size: number; readonly stride: number; readonly ceil: boolean }
  | { readonly kind: 'tap' };

/** A backbone: its ops in order. The `k`-th tap is compared with head weights `lin<k>.weight`. */
export interface Backbone {
  /** Which network. */
  readonly net: LpipsNet;
  /** The layer sequence. */
  readonly ops: readonly BackboneOp[];
}

const conv = (name: string, inChannels: number, outChannels: number, kernel: number, stride: number, pad: number) =>
  ({ kind: 'conv', name, inChannels, outChannels, kernel, stride, pad }) as const;
const fire = (name: string, inChannels: number, squeeze: number, expand: number) => ({ kind: 'fire', name, inChannels, squeeze, expand }) as const;
const pool = (ceil: boolean) => ({ kind: 'maxPool', size: 3, stride: 2, ceil }) as const;
const pool2 = { kind: 'maxPool', size: 2, stride: 2, ceil: false } as const;
const tap = { kind: 'tap' } as const;

/**
 * torchvision `alexnet().features` (Krizhevsky 2014 "one weird trick" variant), tapped
 * after each of its five ReLUs (LPIPS `alexnet` slices).
 */
const ALEX: Backbone = {
  net: 'alex',
  ops: [
    conv('features.0', 3, 64, 11, 4, 2),
    tap,
    pool(false),
    conv('features.3', 64, 192, 5, 1, 2),
    tap,
    pool(false),
    conv('features.6', 192, 384, 3, 1, 1),
    tap,
    conv('features.8', 384, 256, 3, 1, 1),
    tap,
    conv('features.10', 256, 256, 3, 1, 1),
    tap,
  ],
};

/**
 * torchvision `squeezenet1_1().features`, tapped as LPIPS `squeezenet` slices it: after
 * the first ReLU and after Fire modules 4, 7, 9, 10, 11 and 12 (seven taps).
 */
const SQUEEZE: Backbone = {
  net: 'squeeze',
  ops: [
    conv('features.0', 3, 64, 3, 2, 0),
    tap,
    pool(true),
    fire('features.3', 64, 16, 64),
    fire('features.4', 128, 16, 64),
    tap,
    pool(true),
    fire('features.6', 128, 32, 128),
    fire('features.7', 256, 32, 128),
    tap,
    pool(true),
    fire('features.9', 256, 48, 192),
    tap,
    fire('features.10', 384, 48, 192),
    tap,
    fire('features.11', 384, 64, 256),
    tap,
    fire('features.12', 512, 64, 256),
    tap,
  ],
};

/** torchvision `vgg16().features`, tapped at relu1_2, relu2_2, relu3_3, relu4_3 and relu5_3. */
const VGG: Backbone = {
  net: 'vgg',
  ops: [
    conv('features.0', 3, 64, 3, 1, 1),
    conv('features.2', 64, 64, 3, 1, 1),
    tap,
    pool2,
    conv('features.5', 64, 128, 3, 1, 1),
    conv('features.7', 128, 128, 3, 1, 1),
    tap,
    pool2,
    conv('features.10', 128, 256, 3, 1, 1),
    conv('features.12', 256, 256, 3, 1, 1),
    conv('features.14', 256, 256, 3, 1, 1),
    tap,
    pool2,
    conv('features.17', 256, 512, 3, 1, 1),
    conv('features.19', 512, 512, 3, 1, 1),
    conv('features.21', 512, 512, 3, 1, 1),
    tap,
    pool2,
    conv('features.24', 512, 512, 3, 1, 1),
    conv('features.26', 512, 512, 3, 1, 1),
    conv('features.28', 512, 512, 3, 1, 1),
    tap,
  ],
};

const BACKBONES: Readonly<Record<LpipsNet, Backbone>> = { alex: ALEX, squeeze: SQUEEZE, vgg: VGG };

/**
 * The backbone description of `net`.
 *
 * @internal
 */
export function backbone(net: LpipsNet): Backbone {
  return BACKBONES[net];
}

/**
 * The output size of a pooling window sweep over `size` pixels (PyTorch's rule with no
 * padding; in ceil mode the last window must start inside the input).
 *
 * @internal
 */
export function pooledSize(size: number, window: number, stride: number, ceil: boolean): number {
  if (!ceil) return Math.floor((size - window) / stride) + 1;
  let out = Math.ceil((size - window) / stride) + 1;
  if ((out - 1) * stride >= size) out -= 1;
  return out;
}

/**
 * The spatial size of each tap for an input of `size` pixels along one axis, or
 * `undefined` when some layer would have no output (or a pooling window would not fit).
 *
 * @internal
 */
export function tapSizes(b: Backbone, size: number): number[] | undefined {
  let s = size;
  const taps: number[] = [];
  for (const op of b.ops) {
    if (op.kind === 'conv') s = Math.floor((s + 2 * op.pad - op.kernel) / op.stride) + 1;
    else if (op.kind === 'maxPool') s = s < op.size ? 0 : pooledSize(s, op.size, op.stride, op.ceil);
    else if (op.kind === 'tap') taps.push(s);
    if (s < 1) return undefined;
  }
  return taps;
}

/**
 * The smallest height (or width) the backbone accepts: every layer must have at least
 * one output pixel and every pooling window must fit in its input.
 *
 * @internal
 */
export function minimumInputSize(b: Backbone): number {
  for (let s = 1; ; s++) if (tapSizes(b, s) !== undefined) return s;
}

/**
 * Expected weights of LPIPS with backbone `net`: name -> shape, in PyTorch layout (conv
 * weights OIHW `[out, in, kh, kw]`, biases `[out]`, linear heads `lin<k>.weight` `[C_k]`,
 * one non-negative weight per channel of tap `k`). These are the names of the
 * safetensors files of LPIPS v0.1 (`features.*` from torchvision, `lin*` from
 * richzhang/PerceptualSimilarity with the 1x1 conv weight flattened).
 *
 * @param net - The backbone.
 * @returns A new map, in file order (backbone first, then heads).
 */
export function lpipsWeightShapes(net: LpipsNet): Map<string, readonly number[]> {
  const shapes = new Map<string, readonly number[]>();
  const tapChannels: number[] = [];
  let channels = 3;
  const addConv = (name: string, inC: number, outC: number, k: number): void => {
    shapes.set(`${name}.weight`, [outC, inC, k, k]);
    shapes.set(`${name}.bias`, [outC]);
  };
  for (const op of backbone(net).ops) {
    if (op.kind === 'conv') {
      addConv(op.name, op.inChannels, op.outChannels, op.kernel);
      channels = op.outChannels;
    } else if (op.kind === 'fire') {
      addConv(`${op.name}.squeeze`, op.inChannels, op.squeeze, 1);
      addConv(`${op.name}.expand1x1`, op.squeeze, op.expand, 1);
      addConv(`${op.name}.expand3x3`, op.squeeze, op.expand, 3);
      channels = 2 * op.expand;
    } else if (op.kind === 'tap') {
      tapChannels.push(channels);
    }
  }
  tapChannels.forEach((c, k) => shapes.set(`lin${k}.weight`, [c]));
  return shapes;
}
