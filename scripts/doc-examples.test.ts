import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeDocExamples } from './doc-examples.js';

const examples = writeDocExamples();

/** The main exports, each of which must have a runnable example in its TSDoc. */
const MUST_HAVE_EXAMPLES = [
  'rangeCoder',
  'ransCoder',
  'RangeEncoder',
  'RangeDecoder',
  'RansEncoder',
  'RansDecoder',
  'CdfTables',
  'pmfToQuantizedCdf',
  'Normal',
  'UniformNoiseAdapter',
  'DeepFactorized',
  'NoisyDeepFactorized',
  'quantizationOffset',
  'lowerTail',
  'ContinuousBatchedEntropyModel',
  'ContinuousIndexedEntropyModel',
  'LocationScaleIndexedEntropyModel',
  'Module',
  'setBackend',
  'GDN',
  'IGDN',
  'Conv2d',
  'ConvTranspose2d',
  'Sequential',
  'mse',
  'psnr',
  'msSsim',
  'Lpips',
  'PatchGanDiscriminator',
  'OasisDiscriminator',
  'FactorizedLatentCodec',
  'HyperpriorLatentCodec',
  'CharmLatentCodec',
  'HyperLatent',
  'ImageCodec',
  'SwinTransform',
  'RdTrainer',
  'GanTrainer',
  'MricTrainer',
  'EgicTrainer',
  'createModel',
  'modelFileBytes',
  'loadModelBytes',
  'saveModelFile',
  'loadModelFile',
  'encodeContainer',
  'decodeContainer',
];

describe('API examples (@example blocks in the sources)', () => {
  it('every main export has one, and every example imports from a public entry point', () => {
    const documented = new Set(examples.map((e) => e.symbol));
    expect(MUST_HAVE_EXAMPLES.filter((name) => !documented.has(name))).toEqual([]);
    for (const e of examples) expect(e.code, `${e.source}:${e.line}`).toMatch(/from '@ncomp\/[a-z/-]+'/);
  });

  const runnable = examples.filter((e) => e.run);
  it.each(runnable.map((e) => [`${e.symbol} (${e.source}:${e.line})`, e] as const))('%s runs', async (_name, e) => {
    await import(pathToFileURL(e.output).href);
  });
});
