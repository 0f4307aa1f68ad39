/**
 * `ncomp train --model hific | mric`: both GAN stages through the command, on tiny
 * generated images and the small configurations, resumable, exported and used to code.
 */
import { setBackend } from '@ncomp/core';
import { EGIC_SMALL_CONFIG, HIFIC_SMALL_CONFIG, MRIC_SMALL_CONFIG, loadModelFile } from '@ncomp/models';
import { readImage } from '../image/index.js';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ncomp, writeTestImage } from './test-helpers.js';

const LPIPS_FILE = fileURLToPath(new URL('../../../../../shared/data/lpips/lpips_squeeze_v0.1.safetensors', import.meta.url));
const B = ['--backend', 'wasm'];
const SMALL_HIFIC = JSON.stringify(HIFIC_SMALL_CONFIG);

let dir: string;
let data: string;
/** Images large enough for HiFiC's default 0.75-0.95 downscale of 64-pixel crops (86 pixels). */
let bigData: string;
/** 8-bit grayscale label maps of `data`'s images, classes 0..3 (EGIC_SMALL_CONFIG has 4). */
let labels: string;

beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-cli-gan-'));
  data = join(dir, 'data');
  await mkdir(data);
  await writeTestImage(join(data, 'a.png'), 72, 70, 1);
  await writeTestImage(join(data, 'b.png'), 80, 66, 2);
  bigData = join(dir, 'big');
  await mkdir(bigData);
  await writeTestImage(join(bigData, 'c.png'), 100, 96, 3);
  labels = join(dir, 'labels');
  await mkdir(labels);
  for (const [name, w, h] of [
    ['a', 72, 70],
    ['b', 80, 66],
  ] as const) {
    const classes = Uint8Array.from({ length: w * h }, (_, i) => Math.floor(((i % w) / w) * 4));
    await sharp(classes, { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(join(labels, `${name}.png`));
  }
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const logOf = async (run: string): Promise<{ step: number; loss: number; g?: number; d?: number; lpips?: number }[]> =>
  (await readFile(join(run, 'train-log.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('ncomp train, GAN-trained models', () => {
  it.skipIf(!existsSync(LPIPS_FILE))('hific: stage 1, resume, stage 2 from the stage-1 run with LPIPS, export, then code with it', async () => {
    const s1 = join(dir, 'hific-s1');
    const common = [
      '--model',
      'hific',
      '--config',
      SMALL_HIFIC,
      '--data',
      bigData,
      '--crop',
      '64',
      '--batch',
      '1',
      '--log-every',
      '1',
      '--checkpoint-every',
      '1',
      ...B,
    ];
    const first = await ncomp('train', ...common, '--out', s1, '--steps', '2', '--lpips', 'none');
    expect(first.stderr).not.toContain('unexpected');
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('stage 1');
    // HiFiC's random downscale before cropping, by default: the 80-pixel images are too small for it.
    expect(first.stderr).toContain('1 images, crops 64 (downscaled by 0.75-0.95 first)');
    const small = await ncomp(
      'train',
      ...common.slice(0, 4),
      '--data',
      data,
      '--crop',
      '64',
      '--out',
      join(dir, 'hific-small'),
      '--steps',
      '1',
      '--lpips',
      'none',
      ...B,
    );
    expect(small.code).toBe(2);
    expect(small.stderr).toContain('no training image is at least 86x86');
    expect(first.stderr).toContain('LPIPS off');
    const resumed = await ncomp('train', '--out', s1, '--resume', '--steps', '3', ...B);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('resuming hific stage 1 from step 2');
    expect((await logOf(s1)).map((l) => l.step)).toEqual([1, 2, 3]);

    const s2 = join(dir, 'hific-s2');
    const exported = join(dir, 'hific.safetensors');
    const second = await ncomp(
      'train',
      '--model',
      'hific',
      '--stage',
      '2',
      '--init',
      s1,
      '--data',
      data,
      '--downscale',
      'none',
      '--out',
      s2,
      '--crop',
      '64',
      '--batch',
      '1',
      '--steps',
      '2',
      '--log-every',
      '1',
      '--lpips',
      LPIPS_FILE,
      '--export',
      exported,
      ...B,
    );
    expect(second.stderr).not.toContain('unexpected');
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`starting from ${s1}`);
    expect(second.stderr).toMatch(/step 2\/2 .*LPIPS \d\.\d{4} .*G \d+\.\d{3}\s+D \d+\.\d{3}/);
    const log = await logOf(s2);
    for (const l of log) {
      expect(Number.isFinite(l.g)).toBe(true);
      expect(Number.isFinite(l.d)).toBe(true);
      expect(l.lpips).toBeGreaterThan(0);
    }
    const info = JSON.parse(await readFile(join(s2, 'checkpoint.json'), 'utf8')) as {
      kind: string;
      state: { stage: number };
      files: { discriminator?: string };
    };
    expect(info).toMatchObject({ kind: 'gan', state: { stage: 2 } });
    expect(info.files.discriminator).toMatch(/^s2-discriminator-2\.safetensors$/);
    expect((await readdir(s2)).filter((f) => f.startsWith('s2-model-'))).toEqual(['s2-model-2.safetensors']);
    const model = await loadModelFile(exported);
    expect(model.name).toBe('hific');
    expect(model.metadata['ncomp.stage']).toBe('2');
    model.model.dispose();
    const coded = join(dir, 'a.ncomp');
    expect((await ncomp('compress', join(data, 'a.png'), '-o', coded, '--model', exported, ...B)).code).toBe(0);
    expect((await ncomp('decompress', coded, '-o', join(dir, 'a.png'), '--model', exported, ...B)).code).toBe(0);
  });

  it('mric: a stage-1 step through the command; stage 2 needs --init, LPIPS must be chosen, other-model --init refused', async () => {
    const run = join(dir, 'mric-s1');
    const small = JSON.stringify(MRIC_SMALL_CONFIG);
    const r = await ncomp(
      'train',
      '--model',
      'mric',
      '--config',
      small,
      '--data',
      data,
      '--out',
      run,
      '--crop',
      '64',
      '--batch',
      '1',
      '--steps',
      '1',
      '--lpips',
      'none',
      '--loss',
      '{"lambda":0.032}',
      ...B,
    );
    expect(r.stderr).not.toContain('unexpected');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('step 1/1');
    // MRIC's progress lines say how much of β's conditioning is alive (and the log keeps it).
    expect(r.stderr).toMatch(/β: \d+\/16 units live, range \d+\.\d\d, \|P\| \d+\.\d\d/);
    const logged = JSON.parse((await readFile(join(run, 'train-log.jsonl'), 'utf8')).trim().split('\n').at(-1)!) as Record<string, number>;
    expect(logged['conditioningAlive']).toBeGreaterThan(0);
    expect(logged['projectionNorm']).toBeGreaterThan(0);
    const info = JSON.parse(await readFile(join(run, 'checkpoint.json'), 'utf8')) as { model: string; options: { loss: { lambda: number } } };
    expect(info).toMatchObject({ model: 'mric', options: { loss: { lambda: 0.032 } } });
    // ncomp export takes a GAN run too: the codec at its stage.
    const exported = join(dir, 'mric-s1.safetensors');
    const ex = await ncomp('export', run, exported, ...B);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toContain('(step 1, stage 1, mric');
    const model = await loadModelFile(exported);
    expect([model.name, model.metadata['ncomp.stage'], model.metadata['ncomp.step']]).toEqual(['mric', '1', '1']);
    model.model.dispose();
    // A resumed run may take learning-rate multipliers (here for β's conditioning path); they are kept in the checkpoint.
    const cond = '{"synthesis.conditioning.":10}';
    const more = await ncomp('train', '--out', run, '--resume', '--steps', '2', '--lr-multipliers', cond, ...B);
    expect(more.code).toBe(0);
    expect(more.stderr).toContain(`learning-rate multipliers from now on: ${cond} (were {})`);
    const resumedInfo = JSON.parse(await readFile(join(run, 'checkpoint.json'), 'utf8')) as { options: { learningRateMultipliers: unknown } };
    expect(resumedInfo.options.learningRateMultipliers).toEqual({ 'synthesis.conditioning.': 10 });
    const typo = await ncomp('train', '--out', run, '--resume', '--steps', '3', '--lr-multipliers', '{"synthesis.cond.":10}', ...B);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('"synthesis.cond." matches no trained parameter');

    const noInit = await ncomp('train', '--model', 'mric', '--stage', '2', '--data', data, '--out', join(dir, 'x'), '--lpips', 'none', ...B);
    expect(noInit.code).toBe(2);
    expect(noInit.stderr).toContain('--init <stage-1 run folder or model file>');
    const noLpips = await ncomp('train', '--model', 'mric', '--config', small, '--data', data, '--out', join(dir, 'y'), '--crop', '64', ...B);
    expect(noLpips.code).toBe(2);
    expect(noLpips.stderr).toContain('--lpips <weights file> is required');
    const wrong = await ncomp('train', '--model', 'hific', '--stage', '2', '--init', run, '--data', data, '--out', join(dir, 'z'), '--lpips', 'none', ...B);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('holds a mric model, not hific');
    const lambda = await ncomp('train', '--model', 'mric', '--lambda', '0.01', '--data', data, '--out', join(dir, 'w'), ...B);
    expect(lambda.code).toBe(2);
    expect(lambda.stderr).toContain('--loss <json>');
    // A misspelt weight is refused before anything trains (maxBeta for betaMax).
    const misspelt = await ncomp(
      'train',
      '--model',
      'mric',
      '--config',
      small,
      '--data',
      data,
      '--out',
      join(dir, 'v'),
      '--crop',
      '64',
      '--lpips',
      'none',
      '--loss',
      '{"maxBeta":2}',
      ...B,
    );
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('unknown weight "maxBeta" (known: mseWeight, lpipsWeight, rateWeight, lambda, betaMax)');
    expect(existsSync(join(dir, 'v'))).toBe(false);
    const labelled = await ncomp(
      'train',
      '--model',
      'mric',
      '--config',
      small,
      '--data',
      data,
      '--out',
      join(dir, 'u'),
      '--labels',
      labels,
      '--lpips',
      'none',
      ...B,
    );
    expect(labelled.code).toBe(2);
    expect(labelled.stderr).toContain('--labels feeds a discriminator that classifies pixels');
  });

  it('egic-orp: stages 1, 2 (PatchGAN: folders have no labels) and 3 (ORP head, no LPIPS needed), then --alpha at decode time', async () => {
    const common = ['--model', 'egic-orp', '--data', data, '--crop', '64', '--batch', '1', '--steps', '1', ...B];
    const s1 = join(dir, 'egic-s1');
    const s2 = join(dir, 'egic-s2');
    const s3 = join(dir, 'egic-s3');
    const r1 = await ncomp('train', ...common, '--config', JSON.stringify(EGIC_SMALL_CONFIG), '--out', s1, '--lpips', 'none');
    expect(r1.stderr).not.toContain('unexpected');
    expect(r1.code).toBe(0);
    const r2 = await ncomp('train', ...common, '--stage', '2', '--init', s1, '--out', s2, '--lpips', 'none');
    expect(r2.stderr).not.toContain('unexpected');
    expect(r2.code).toBe(0);
    expect(r2.stderr).toMatch(/G \d+\.\d{3}\s+D \d+\.\d{3}/);
    // Folders without labels: the PatchGAN fallback, named so; stage 2 at EGIC's 1e-5.
    expect(r2.stderr).toContain('discriminator: PatchGAN fallback (no semantic labels');
    expect(r2.stderr).toContain('lr 1.0e-5, steps 0 -> 1');
    // With --labels: EGIC's OASIS-C on per-pixel classes.
    const s2l = join(dir, 'egic-s2-labels');
    const r2l = await ncomp('train', ...common, '--stage', '2', '--init', s1, '--out', s2l, '--lpips', 'none', '--labels', labels);
    expect(r2l.stderr).not.toContain('unexpected');
    expect(r2l.code).toBe(0);
    expect(r2l.stderr).toContain(`discriminator: OASIS-C (${EGIC_SMALL_CONFIG.semanticClasses} classes + fake, EGIC's)`);
    expect(r2l.stderr).toContain('2 images with label maps');
    const resumedLabels = await ncomp('train', '--out', s2l, '--resume', '--steps', '2', ...B);
    expect(resumedLabels.code).toBe(0);
    expect(resumedLabels.stderr).toContain('discriminator: OASIS-C');
    const missing = await ncomp(
      'train',
      ...common,
      '--stage',
      '2',
      '--init',
      s1,
      '--out',
      join(dir, 'egic-nolabel'),
      '--lpips',
      'none',
      '--labels',
      join(dir, 'big'),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--labels: no label map ${join(dir, 'big', 'a.png')}`);
    const colour = join(dir, 'colour-labels');
    await mkdir(colour);
    await writeTestImage(join(colour, 'a.png'), 72, 70, 4);
    await writeTestImage(join(colour, 'b.png'), 80, 66, 5);
    const coloured = await ncomp('train', ...common, '--stage', '2', '--init', s1, '--out', join(dir, 'egic-colour'), '--lpips', 'none', '--labels', colour);
    expect(coloured.code).toBe(2);
    expect(coloured.stderr).toContain('a label map must be an 8-bit grayscale PNG');
    const exported = join(dir, 'egic.safetensors');
    const r3 = await ncomp('train', ...common, '--stage', '3', '--init', s2, '--out', s3, '--export', exported);
    expect(r3.stderr).not.toContain('unexpected');
    expect(r3.code).toBe(0);
    expect(r3.stderr).toContain('stage 3: ORP head only, MSE');
    const bad = await ncomp('train', '--model', 'hific', '--stage', '3', '--init', s1, '--data', data, '--out', join(dir, 'h3'), '--lpips', 'none', ...B);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--stage must be 1 or 2 for hific');

    const coded = join(dir, 'e.ncomp');
    expect((await ncomp('compress', join(data, 'b.png'), '-o', coded, '--model', exported, ...B)).code).toBe(0);
    const at = async (alpha: string): Promise<number[]> => {
      const out = join(dir, `e-${alpha}.png`);
      const r = await ncomp('decompress', coded, '-o', out, '--model', exported, '--alpha', alpha, ...B);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`alpha ${alpha}`);
      return Array.from((await readImage(out)).rgb);
    };
    expect(await at('0')).not.toEqual(await at('1'));
    const beta = await ncomp('decompress', coded, '-o', join(dir, 'e-beta.png'), '--model', exported, '--beta', '1', ...B);
    expect(beta.code).toBe(2);
    expect(beta.stderr).toContain('egic-orp has no beta; it has --alpha');
  });
});
