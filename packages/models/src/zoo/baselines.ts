import { Conv2d, ConvTranspose2d, GDN, Sequential, leakyRelu, relu } from '@ncomp/layers';
import { ImageCodec } from '../codec/image-codec.js';
import { FactorizedLatentCodec } from '../latent-codecs/factorized-latent-codec.js';
import { HyperpriorLatentCodec } from '../latent-codecs/hyperprior-latent-codec.js';
import { InvalidArgumentError } from '@ncomp/core';
import { ResidualPostFilter, blockAnalysis, blockSynthesis, jpegLikeLogGains } from './block-transform.js';
import type { BaselineConfig } from './baseline-config.js';

const down = (cin: number, cout: number, k: number, s: number): Conv2d => new Conv2d(cin, cout, k, { stride: s, padding: 'same_zeros' });
const up = (cin: number, cout: number, k: number, s: number): ConvTranspose2d => new ConvTranspose2d(cin, cout, k, { stride: s, padding: 'same_zeros' });

/** g_a of Ballé et al. 2018 (TFC bmshj2018): four 5x5 stride-2 convs with GDN between; downsampling 16. */
export function bmshj2018Analysis(N: number, M: number): Sequential {
  return new Sequential([down(3, N, 5, 2), new GDN(N), down(N, N, 5, 2), new GDN(N), down(N, N, 5, 2), new GDN(N), down(N, M, 5, 2)]);
}

/** g_s of Ballé et al. 2018: four 5x5 stride-2 transposed convs with IGDN between. */
export function bmshj2018Synthesis(N: number, M: number): Sequential {
  return new Sequential([
    up(M, N, 5, 2),
    new GDN(N, { inverse: true }),
    up(N, N, 5, 2),
    new GDN(N, { inverse: true }),
    up(N, N, 5, 2),
    new GDN(N, { inverse: true }),
    up(N, 3, 5, 2),
  ]);
}

/**
 * `bls2017`: the factorized-prior codec of Ballé, Laparra & Simoncelli 2017 ("End-to-end
 * optimized image compression") as in TFC's `bls2017.py`: g_a = conv 9x9/4, GDN, conv
 * 5x5/2, GDN, conv 5x5/2 (N filters, latent M channels); g_s mirrored with IGDN; a
 * factorized prior on y.
 */
export function bls2017(config: BaselineConfig): ImageCodec {
  const { N, M } = config;
  return new ImageCodec({
    analysis: new Sequential([down(3, N, 9, 4), new GDN(N), down(N, N, 5, 2), new GDN(N), down(N, M, 5, 2)]),
    synthesis: new Sequential([up(M, N, 5, 2), new GDN(N, { inverse: true }), up(N, N, 5, 2), new GDN(N, { inverse: true }), up(N, 3, 9, 4)]),
    latentCodec: new FactorizedLatentCodec({ channels: M }),
    downsampling: 16,
    ...(config.lambdas ? { lambdas: config.lambdas } : {}),
  });
}

/**
 * `bmshj2018`: the scale hyperprior of Ballé, Minnen, Singh, Hwang & Johnston 2018, as in
 * TFC's `bmshj2018.py`: h_a = conv 3x3/1, ReLU, conv 5x5/2, ReLU, conv 5x5/2 on |y|;
 * h_s = transposed conv 5x5/2, ReLU, 5x5/2, ReLU, 3x3/1 giving the scale indexes.
 */
export function bmshj2018(config: BaselineConfig): ImageCodec {
  const { N, M } = config;
  return new ImageCodec({
    analysis: bmshj2018Analysis(N, M),
    synthesis: bmshj2018Synthesis(N, M),
    latentCodec: new HyperpriorLatentCodec({
      latentChannels: M,
      hyperChannels: N,
      hyperAnalysis: new Sequential([down(M, N, 3, 1), relu, down(N, N, 5, 2), relu, down(N, N, 5, 2)]),
      hyperSynthesis: new Sequential([up(N, N, 5, 2), relu, up(N, N, 5, 2), relu, up(N, M, 3, 1)]),
      hyperDownsampling: 4,
      ...(config.prior ? { family: config.prior } : {}),
    }),
    downsampling: 16,
    ...(config.lambdas ? { lambdas: config.lambdas } : {}),
  });
}

/**
 * `mbt2018-mean`: the mean-scale hyperprior of Minnen, Ballé & Toderici 2018 (without the
 * context model), as in CompressAI's `mbt2018-mean`: h_a = conv 3x3/1, LeakyReLU, conv
 * 5x5/2, LeakyReLU, conv 5x5/2 on y; h_s = transposed conv 5x5/2 (N -> M), LeakyReLU,
 * 5x5/2 (M -> 3M/2), LeakyReLU, conv 3x3/1 (-> 2M: scale indexes, then means).
 */
export function mbt2018Mean(config: BaselineConfig): ImageCodec {
  const { N, M } = config;
  const mid = Math.floor((3 * M) / 2);
  return new ImageCodec({
    analysis: bmshj2018Analysis(N, M),
    synthesis: bmshj2018Synthesis(N, M),
    latentCodec: new HyperpriorLatentCodec({
      latentChannels: M,
      hyperChannels: N,
      hyperAnalysis: new Sequential([down(M, N, 3, 1), leakyRelu(), down(N, N, 5, 2), leakyRelu(), down(N, N, 5, 2)]),
      hyperSynthesis: new Sequential([up(N, M, 5, 2), leakyRelu(), up(M, mid, 5, 2), leakyRelu(), down(mid, 2 * M, 3, 1)]),
      hyperDownsampling: 4,
      mean: true,
      ...(config.prior ? { family: config.prior } : {}),
    }),
    downsampling: 16,
    ...(config.lambdas ? { lambdas: config.lambdas } : {}),
  });
}

/**
 * `block-hyperprior`: a learned 8x8 block transform with a mean-scale hyperprior, built to
 * train in CPU hours rather than GPU days. g_a is a stride-8 8x8 convolution (3 -> 192)
 * initialised to the orthonormal colour x DCT-II basis, g_s its transposed counterpart
 * followed by a residual post-filter (initially the identity); at initialisation the codec
 * is JPEG's transform with uniform quantization and a hyperprior entropy model (Minnen et
 * al. 2018's h_a / h_s at N channels), and per-level gain units start at JPEG's
 * quantization tables scaled to qualities spread from 10 to 88. Everything is learned;
 * the synthesis trains on rounded latents (straight-through), since JPEG-sized steps make
 * uniform noise a poor stand-in for rounding.
 * Requires `M = 192` (3 colours x 64 frequencies) and `lambdas`.
 */
export function blockHyperprior(config: BaselineConfig): ImageCodec {
  const { N, M } = config;
  if (M !== 192) throw new InvalidArgumentError(`block-hyperprior: M must be 192 (3 colours x 8x8 frequencies), found ${M}`);
  const lambdas = config.lambdas;
  if (!lambdas) throw new InvalidArgumentError('block-hyperprior is variable-rate: give "lambdas" in the config');
  const lo = Math.log(lambdas[0]!);
  const hi = Math.log(lambdas[lambdas.length - 1]!);
  const qualities = lambdas.map((l) => 10 + (78 * (Math.log(l) - lo)) / Math.max(hi - lo, 1e-9));
  return new ImageCodec({
    analysis: new Sequential([blockAnalysis()]),
    synthesis: new Sequential([blockSynthesis(), new ResidualPostFilter(16)]),
    latentCodec: new HyperpriorLatentCodec({
      latentChannels: M,
      hyperChannels: N,
      hyperAnalysis: new Sequential([down(M, N, 3, 1), leakyRelu(), down(N, N, 5, 2), leakyRelu(), down(N, N, 5, 2)]),
      hyperSynthesis: new Sequential([up(N, N, 5, 2), leakyRelu(), up(N, 96, 5, 2), leakyRelu(), down(96, 2 * M, 3, 1)]),
      hyperDownsampling: 4,
      mean: true,
      offsetScale: 20,
      synthesisInput: 'rounded',
      ...(config.prior ? { family: config.prior } : {}),
    }),
    downsampling: 8,
    lambdas,
    initialLogGains: jpegLikeLogGains(qualities),
  });
}
