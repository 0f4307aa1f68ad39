/**
 * `@ncomp/layers`: the layers of learned image codecs as ncomp `Module`s (NHWC, float32):
 * GDN / IGDN, convolutions with stated padding conventions, ELIC and HiFiC blocks,
 * Fourier-feature conditioning (MRIC), channel-autoregressive (ChARM) slice transforms,
 * Swin transformer stages (SwinT-ChARM, EGIC) and spectrally / weight-normalized
 * convolutions.
 *
 * @packageDocumentation
 */
export { GDN, IGDN, type GdnForm, type GdnOptions } from './gdn/gdn.js';
export { GDN_REPARAM_OFFSET, nonnegativeParameterInit, nonnegativeParameterValue } from './gdn/nonnegative-parameter.js';
export {
  convertGdnWeights,
  loadGdnWeights,
  type GdnWeightOptions,
  type GdnWeightSource,
  type GdnWeightStorage,
  type GdnWeights,
} from './gdn/load-gdn-weights.js';

export { Conv2d } from './conv/conv2d.js';
export type { Conv2dOptions, ConvConfig } from './conv/conv-config.js';
export { ConvLayer } from './conv/conv-layer.js';
export { ConvTranspose2d } from './conv/conv-transpose2d.js';
export { SubpixelConv2d, type SubpixelConv2dOptions } from './conv/subpixel-conv2d.js';
export { depthToSpace } from './conv/depth-to-space.js';
export { convOutputLength, convTransposeOutputLength, type ConvPadding } from './conv/padding.js';
export type { Fans, KernelInitializer } from './conv/initializers.js';

export { Dense, type DenseOptions } from './dense/dense.js';

export { ResidualBottleneckBlock, type ResidualBottleneckBlockOptions } from './elic/residual-bottleneck-block.js';
export { SimplifiedAttention, type SimplifiedAttentionOptions } from './elic/simplified-attention.js';
export { ElicAnalysis, type ElicAnalysisOptions } from './elic/elic-analysis.js';
export { ElicSynthesis, type ElicSynthesisOptions } from './elic/elic-synthesis.js';

export { ChannelNorm, type ChannelNormOptions } from './hific/channel-norm.js';
export { HificResidualBlock } from './hific/hific-residual-block.js';
export { HificEncoder, type HificEncoderOptions } from './hific/hific-encoder.js';
export { HificGenerator, type HificGeneratorOptions } from './hific/hific-generator.js';

export { fourierFeatures } from './conditioning/fourier-features.js';
export { ConditioningMlp, type ConditioningMlpOptions } from './conditioning/conditioning-mlp.js';
export { ConditionalResidualBlock } from './conditioning/conditional-residual-block.js';
export { ConditionalElicSynthesis, type ConditionalElicSynthesisOptions } from './conditioning/conditional-elic-synthesis.js';

export { SliceTransform, type SliceTransformOptions } from './charm/slice-transform.js';
export { LatentResidualPrediction } from './charm/latent-residual-prediction.js';
export { CharmTransforms, type CharmTransformsOptions, type ExactCharmTransforms } from './charm/charm-transforms.js';
export { exactGelu, exactDepthToSpace, exactLayerNorm, exactWindowAttention } from './exact/swin-exact.js';
export { convGeometry, convTransposeGeometry, exactConvLayer, exactConvTransposeLayer, type ConvLayerParts } from './exact/conv-exact.js';

export { gelu } from './swin/gelu.js';
export { LayerNorm, type LayerNormOptions } from './swin/layer-norm.js';
export { padToMultiple, roll2d, roundUpToMultiple, windowPartition, windowReverse } from './swin/windows.js';
export { SWIN_MASK_VALUE, relativePositionIndex, windowAttentionMask } from './swin/attention-mask.js';
export { WindowAttention, type WindowAttentionOptions } from './swin/window-attention.js';
export { SwinMlp } from './swin/swin-mlp.js';
export { SwinBlock, type SwinBlockOptions } from './swin/swin-block.js';
export { PatchMerging } from './swin/patch-merging.js';
export { PatchSplitting } from './swin/patch-splitting.js';
export { PatchUnpack } from './swin/patch-unpack.js';
export { SwinStage, type SwinResample, type SwinStageOptions } from './swin/swin-stage.js';

export { SpectralNormConv2d, type SpectralNormConv2dOptions } from './normalized/spectral-norm-conv2d.js';
export { WeightNormConv2d } from './normalized/weight-norm-conv2d.js';
export { weightNormDataInit } from './normalized/weight-norm-init.js';

export { Sequential, leakyRelu, relu, type CallableModule, type SequentialStep } from './sequential/sequential.js';
