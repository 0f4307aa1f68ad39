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
 * The API reference documents this complete (Node.js) API; what needs Node.js is also in
 * `@ncomp/models/node`.
 *
 * @packageDocumentation
 */
export * from './index.js';
export * from './node.js';
