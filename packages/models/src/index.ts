/**
 * `@ncomp/models`: learned image codecs composed from ncomp parts. Latent codecs (a
 * factorized prior, a (mean-)scale hyperprior) plug into an {@link ImageCodec} with any
 * analysis and synthesis transforms; the named baselines `bls2017`, `bmshj2018` and
 * `mbt2018-mean`, HiFiC ({@link hific}), MRIC ({@link mric}, with the ChARM latent codec
 * {@link CharmLatentCodec} and a synthesis conditioned on a realism weight chosen at decode
 * time) and EGIC-ORP ({@link egic}: SwinT-ChARM with an output-residual-prediction head
 * mixed in at decode time) are in the {@link MODELS} registry; {@link RdTrainer} trains them
 * with resumable checkpoints, {@link GanTrainer} runs HiFiC's two GAN stages,
 * {@link MricTrainer} MRIC's and {@link EgicTrainer} EGIC's three; model files carry
 * weights, integer tables and the configuration.
 * The bitstream container is in `@ncomp/models/container`.
 *
 * This entry point runs in browsers and Node.js alike (it imports no `node:` module): load
 * models from bytes ({@link loadModelBytes}) or a URL ({@link loadModelUrl}). Under the
 * `node` export condition, `@ncomp/models` also exports the Node-only parts in
 * `@ncomp/models/node`: model files and checkpoints on disk, data-parallel training in
 * worker threads, and the default model's path.
 *
 * @packageDocumentation
 */
export type { BandedStreams, LatentCodec, LatentCompressed, LatentForward } from './latent-codecs/latent-codec.js';
export { CheckRecorder, CheckVerifier, digestInts, type LatentCheck, type LatentCheckPart } from './latent-codecs/latent-check.js';
export { HyperLatent, type CodedHyperLatent, type CodedHyperRows, type DecodedPairs } from './latent-codecs/hyper-latent.js';
export { decodePart, encodePart, likeMap, tableIndex, type CodedPart } from './latent-codecs/indexed-coding.js';
export { imageValues, latentTensor } from './latent-codecs/latent-values.js';
export { DIGEST_SEED, exactReach, hyperRows, type LatentRowSink, type LatentRows } from './latent-codecs/latent-rows.js';
export { decodeCheckStream, encodeCheckStream, type CheckStream } from './codec/check-stream.js';
export { minBitsAnyTable, minBitsPerChannel, type HasMinCodeLengths } from './latent-codecs/stream-bounds.js';
export { FactorizedLatentCodec, checkLatent, type FactorizedLatentCodecOptions } from './latent-codecs/factorized-latent-codec.js';
export { IndexedConditional, type IndexedConditionalOptions } from './latent-codecs/indexed-conditional.js';
export {
  pointwiseConditional,
  type BandedConditional,
  type ConditionalCodec,
  type ConditionalForward,
  type ExactConditional,
  type ParamRows,
} from './latent-codecs/conditional-codec.js';
export { HyperConditionalCodec, type HyperConditionalParts } from './latent-codecs/hyper-conditional-codec.js';
export { MeanScaleConditional, type ChannelOffsets, type MeanScaleConditionalOptions } from './latent-codecs/mean-scale-conditional.js';
export { CharmConditional, type CharmConditionalOptions } from './latent-codecs/charm-conditional.js';
export { HyperpriorLatentCodec, type HyperpriorLatentCodecOptions } from './latent-codecs/hyperprior-latent-codec.js';
export { CharmLatentCodec, type CharmLatentCodecOptions } from './latent-codecs/charm-latent-codec.js';
export { GainUnit, resampleLogGains } from './codec/gain-unit.js';
export { resolveControl, type ControlledSynthesis, type DecodeControl } from './codec/decode-control.js';
export { ImageCodec, type CodecForward, type CompressedImage, type ForwardOptions, type ImageCodecOptions, type Synthesize } from './codec/image-codec.js';
export {
  DEFAULT_BAND,
  DEFAULT_BAND_VALUES,
  DEFAULT_MAX_PIXELS,
  DEFAULT_TILE,
  checkPixelLimit,
  checkStreamBounds,
  resolveBand,
  resolveMaxPixels,
  resolveTile,
  type ImageLimits,
} from './codec/image-limits.js';
export { forEachTile, pixelsOf, probeReach, readReplicated, tilesOf, type ImagePixels, type Tile, type TileGrid } from './codec/tiling.js';
export { SynthesisRows, analysisRows, type PixelRowSink, type TiledGeometry } from './codec/tiled-transforms.js';
export { PAUSE_EVERY_MS, Pacer, pause } from './codec/pause.js';
export { replicatePad, roundUpTo } from './codec/replicate-pad.js';
export { padImage, reflectIndex, reflectPad, type PadMode } from './codec/reflect-pad.js';
export { parseBaselineConfig, type BaselineConfig, type HyperpriorFamily } from './zoo/baseline-config.js';
export { blockHyperprior, bls2017, bmshj2018, bmshj2018Analysis, bmshj2018Synthesis, mbt2018Mean } from './zoo/baselines.js';
export {
  JPEG_CHROMA_TABLE,
  JPEG_LUMA_TABLE,
  ORTHONORMAL_COLOR,
  ResidualPostFilter,
  blockAnalysis,
  blockDctKernel,
  blockSynthesis,
  dctBasis,
  jpegLikeLogGains,
} from './zoo/block-transform.js';
export { MODELS, createModel, modelEntry, type ModelConfig, type ModelEntry } from './zoo/registry.js';
export {
  HIFIC_REFERENCE_CONFIG,
  HIFIC_SMALL_CONFIG,
  HificHyperSynthesis,
  hific,
  hificDiscriminator,
  isHificConfig,
  parseHificConfig,
  type HificConfig,
} from './zoo/hific.js';
export {
  MRIC_BETA_CONTROL,
  MRIC_MAX_BETA,
  MRIC_REFERENCE_CONFIG,
  MRIC_SMALL_CONFIG,
  MricAnalysis,
  MricCodec,
  MricSynthesis,
  betaTensor,
  isMricConfig,
  mric,
  mricDiscriminator,
  parseMricConfig,
  type Beta,
  type ConditioningActivity,
  type MricCodecOptions,
  type MricConfig,
  type MricForwardOptions,
  type MricTrainingForward,
} from './zoo/mric.js';
export { EGIC_REFERENCE_CONFIG, EGIC_SMALL_CONFIG, egicLatentChannels, isEgicConfig, parseEgicConfig, type EgicConfig } from './zoo/egic-config.js';
export { SwinTransform, type SwinTransformOptions, type SwinTransformStage } from './zoo/swin-transform.js';
export {
  EGIC_ALPHA_CONTROL,
  EgicCodec,
  egic,
  egicDiscriminator,
  type EgicCodecOptions,
  type EgicDiscriminatorOptions,
  type EgicForwardOptions,
  type EgicTrainingForward,
  type EgicTrainingLatent,
} from './zoo/egic.js';
export { MODEL_FILE_KEYS, type LoadModelOptions, loadModelBytes, modelFileBytes, type LoadedModel } from './model-file/model-file.js';
export { loadModelUrl, type LoadModelUrlOptions } from './model-file/model-url.js';
export { initializeFrom, type InitializeFromReport } from './model-file/initialize-from.js';
export { SeededRandom } from './training/rng.js';
export { RandomCropSampler, type CropPlacement, type CropSamplerOptions, type RgbImage } from './training/crop-sampler.js';
export { Adam, type AdamOptions, type AdamState } from './training/adam.js';
export { learningRateMultiplierOf, type LearningRateMultipliers } from './training/lr-multipliers.js';
export { RdTrainer, type RdStepDraw, type RdTrainerState, type RdTrainOptions, type StepReport } from './training/rd-trainer.js';
export { rdGradients, rdGradientsAsync, rdGradientTensors, type RdGradientOptions, type RdGradients, type RdGradientTensors } from './training/rd-gradients.js';
export {
  HIFIC_LOSS_WEIGHTS,
  hificGeneratorLoss,
  hificRateSchedule,
  resolveHificLossWeights,
  type HificLoss,
  type HificLossTerms,
  type HificLossWeights,
  type HificRateSchedule,
} from './training/hific-loss.js';
export {
  GanTrainer,
  trainingForward,
  type BatchSource,
  type ConditionalDiscriminator,
  type GanStepReport,
  type GanTrainOptions,
  type GanTrainerParts,
  type GanTrainerState,
  type TrainingForward,
} from './training/gan-trainer.js';
export { MRIC_LOSS_WEIGHTS, mricGeneratorLoss, resolveMricLossWeights, type MricLoss, type MricLossTerms, type MricLossWeights } from './training/mric-loss.js';
export { MricTrainer, type MricStepReport, type MricTrainOptions, type MricTrainerParts } from './training/mric-trainer.js';
export {
  GanTrainerBase,
  type DiscriminatorOutcome,
  type DrawnBatch,
  type GanStepReportBase,
  type GanTrainerBaseOptions,
  type GanTrainerBaseParts,
  type GanTrainerSetup,
  type GeneratorObjective,
  type GeneratorOutcome,
  type ObjectiveInputs,
  type StepInputs,
} from './training/gan-trainer-base.js';
export type { DiscriminatorStepResult, DiscriminatorUpdate } from './training/gan-common.js';
export { runReadingStep, runReadingStepAsync, type ReadingStep } from './training/reading-step.js';
export {
  EGIC_GAN_TRAINING,
  HIFIC_GAN_TRAINING,
  MRIC_GAN_TRAINING,
  parseGanStage,
  type AnyGanTrainer,
  type DiscriminatorChoice,
  type GanRunOptions,
  type GanTraining,
  type TrainingProgressNote,
} from './training/gan-training.js';
export { EGIC_LOSS_WEIGHTS, egicGeneratorLoss, resolveEgicLossWeights, type EgicLoss, type EgicLossTerms, type EgicLossWeights } from './training/egic-loss.js';
export { isLabeledBatchSource, type LabeledBatch, type LabeledBatchSource } from './training/labeled-batch.js';
export { LabeledCropSampler, type LabelMap, type LabeledImage } from './training/labeled-crop-sampler.js';
export { EgicTrainer, type EgicStepReport, type EgicTrainOptions, type EgicTrainerParts } from './training/egic-trainer.js';
export { estimateRateDistortion, type EstimateReport } from './training/evaluate.js';
export { DEFAULT_MODEL_WEIGHTS } from './zoo/default-model-name.js';
