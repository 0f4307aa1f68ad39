/**
 * @ncomp/losses: distortion and perceptual metrics (MSE, PSNR, MS-SSIM, LPIPS), rate in
 * bits per pixel, GAN objectives and discriminators (HiFiC's PatchGAN, EGIC's OASIS-C).
 * Every function takes NHWC float32 tensors (pixel values in `[0, 1]` unless an option
 * says otherwise), is differentiable, and cleans up the intermediate tensors it makes.
 *
 * @packageDocumentation
 */
export type { Reduced, Reduction, ReductionOptions } from './reduction.js';
export { mse } from './metrics/mse.js';
export type { PsnrOptions } from './metrics/psnr.js';
export { psnr } from './metrics/psnr.js';
export type { MsSsimOptions } from './metrics/ms-ssim.js';
export { MS_SSIM_WEIGHTS, msSsim, msSsimLoss, msSsimMinimumSize } from './metrics/ms-ssim.js';
export type { ImageShape } from './rate/bpp.js';
export { bitsPerPixel, bppFromLikelihoods } from './rate/bpp.js';
export type { LpipsNet } from './lpips/backbone.js';
export { LPIPS_NETS, lpipsWeightShapes } from './lpips/backbone.js';
export { Lpips } from './lpips/lpips.js';
export type { GanLossOptions } from './gan/per-sample.js';
export { nonSaturatingDiscriminatorLoss, nonSaturatingGeneratorLoss } from './gan/non-saturating.js';
export { hingeDiscriminatorLoss, hingeGeneratorLoss } from './gan/hinge.js';
export { leastSquaresDiscriminatorLoss, leastSquaresGeneratorLoss } from './gan/least-squares.js';
export type { PatchGanDiscriminatorOptions } from './discriminators/patch-gan.js';
export { PatchGanDiscriminator } from './discriminators/patch-gan.js';
export type { OasisDiscriminatorOptions } from './discriminators/oasis.js';
export { OasisDiscriminator } from './discriminators/oasis.js';
export type { LabelMixOptions, LabelMixResult, OasisLossOptions } from './discriminators/oasis-loss.js';
export { labelMix, labelMixLoss, oasisClassWeights, oasisDiscriminatorLoss, oasisGeneratorLoss } from './discriminators/oasis-loss.js';
