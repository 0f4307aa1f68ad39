/**
 * End-to-end tests of `ncomp train`, `ncomp export` and `ncomp eval`, run in-process
 * through `main(argv, io)` on tiny generated images and tiny models, so they take seconds.
 */
import { setBackend } from '@ncomp/core';
import { createModel, loadModelFile, saveModelFile } from '@ncomp/models';
import { decodeContainer } from '@ncomp/models/container';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ncomp, writeTestImage as writeImage } from './test-helpers.js';

let dir: string;
let data: string;
const B = ['--backend', 'wasm'];

beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-cli-train-'));
  data = join(dir, 'data');
  await mkdir(data);
  await writeImage(join(data, 'a.png'), 72, 66, 1);
  await writeImage(join(data, 'b.png'), 64, 80, 2);
  await writeImage(join(data, 'c.png'), 70, 70, 3);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ncomp train / export', () => {
  it('trains, refuses to restart over a checkpoint, resumes, and exports a usable model', async () => {
    const run = join(dir, 'run');
    const exported = join(dir, 'trained.safetensors');
    const common = [
      '--data',
      data,
      '--out',
      run,
      '--model',
      'bmshj2018',
      '--config',
      '{"N":4,"M":4}',
      '--crop',
      '64',
      '--batch',
      '1',
      '--lambda',
      '0.01',
      '--checkpoint-every',
      '2',
      '--log-every',
      '1',
      ...B,
    ];

    const first = await ncomp('train', ...common, '--steps', '3');
    expect(first.stderr).not.toContain('unexpected error');
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('step 3/3');
    const checkpoint = async (): Promise<{ state: { step: number }; model: string; config: unknown }> =>
      JSON.parse(await readFile(join(run, 'checkpoint.json'), 'utf8'));
    expect(await checkpoint()).toMatchObject({ state: { step: 3 }, model: 'bmshj2018', config: { N: 4, M: 4 } });
    const files = await readdir(run);
    expect(files).toEqual(expect.arrayContaining(['checkpoint.json', 'model-3.safetensors', 'optimizer-3.safetensors', 'train-log.jsonl']));
    expect(files.filter((f) => f.startsWith('model-'))).toEqual(['model-3.safetensors']);
    const log = (await readFile(join(run, 'train-log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; loss: number });
    expect(log.map((l) => l.step)).toEqual([1, 2, 3]);
    for (const l of log) expect(Number.isFinite(l.loss)).toBe(true);

    const again = await ncomp('train', ...common, '--steps', '3');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--resume');
    expect((await checkpoint()).state.step).toBe(3);

    const resumed = await ncomp('train', ...common, '--resume', '--steps', '5', '--export', exported);
    expect(resumed.stderr).toContain('resuming bmshj2018');
    expect(resumed.code).toBe(0);
    expect((await checkpoint()).state.step).toBe(5);
    expect(resumed.stderr).toContain('step 5/5');

    // The exported file is a model file that compress / decompress use.
    const model = await loadModelFile(exported);
    expect(model.name).toBe('bmshj2018');
    expect(model.metadata['ncomp.step']).toBe('5');
    model.model.dispose();
    const image = join(data, 'a.png');
    const coded = join(dir, 'a.ncomp');
    const c = await ncomp('compress', image, '-o', coded, '--model', exported, ...B);
    expect(c.code).toBe(0);
    expect(decodeContainer(new Uint8Array(await readFile(coded))).header).toMatchObject({ modelName: 'bmshj2018', width: 72, height: 66 });
    const d = await ncomp('decompress', coded, '-o', join(dir, 'a.decoded.png'), '--model', exported, ...B);
    expect(d.code).toBe(0);
    expect(await sharp(join(dir, 'a.decoded.png')).metadata()).toMatchObject({ width: 72, height: 66, channels: 3 });

    // The export file exists: exporting again needs --force.
    const refused = await ncomp('train', ...common, '--resume', '--steps', '5', '--export', exported);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--force');

    // ncomp export: the same weights as the run's last checkpoint.
    const viaExport = join(dir, 'exported.safetensors');
    const e = await ncomp('export', run, viaExport, ...B);
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('step 5');
    expect(Buffer.compare(await readFile(viaExport), await readFile(exported))).toBe(0);
    const m = await ncomp('models', '--model', viaExport, ...B);
    expect(m.code).toBe(0);
    expect(m.stdout).toContain('architecture bmshj2018, config {"N":4,"M":4}');
    expect(m.stdout).toContain('ncomp.step: 5');
    expect((await ncomp('export', run, viaExport, ...B)).code).toBe(2);
    expect((await ncomp('export', run, viaExport, '--force', ...B)).code).toBe(0);
  });

  it('--init fine-tunes from a model file (more levels) with --lr-multipliers; refuses bad combinations', async () => {
    const fromConfig = { N: 4, M: 4, lambdas: [0.01, 0.04] };
    const start = join(dir, 'init-from.safetensors');
    const source = createModel('bmshj2018', fromConfig);
    source.update();
    await saveModelFile(start, source, 'bmshj2018', fromConfig);
    source.dispose();
    const run = join(dir, 'init-run');
    const exported = join(dir, 'init-trained.safetensors');
    const args = [
      '--data',
      data,
      '--out',
      run,
      '--init',
      start,
      '--config',
      '{"N":4,"M":4,"lambdas":[0.0025,0.01,0.04]}',
      '--crop',
      '64',
      '--batch',
      '1',
      '--log-every',
      '1',
      ...B,
    ];
    // analysis frozen (factor 0): its weights must come out exactly as the init file's.
    const r = await ncomp('train', ...args, '--steps', '2', '--lr-multipliers', '{"analysis.":0}', '--export', exported);
    expect(r.stderr).not.toContain('unexpected error');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`initialised from ${start}`);
    expect(r.stderr).toContain('gain levels mapped from λ [0.01, 0.04]');
    const info = JSON.parse(await readFile(join(run, 'checkpoint.json'), 'utf8')) as {
      model: string;
      options: { initializeFromData: boolean; learningRateMultipliers: unknown };
      extra: { init: string };
    };
    expect(info.model).toBe('bmshj2018');
    expect(info.options).toMatchObject({ initializeFromData: false, learningRateMultipliers: { 'analysis.': 0 } });
    expect(info.extra.init).toBe(start);
    const before = await loadModelFile(start);
    const after = await loadModelFile(exported);
    expect(after.config).toEqual({ N: 4, M: 4, lambdas: [0.0025, 0.01, 0.04] });
    const a = before.model.stateDict();
    const b = after.model.stateDict();
    const analysisKeys = Object.keys(a).filter((k) => k.startsWith('analysis.'));
    expect(analysisKeys.length).toBeGreaterThan(0);
    for (const k of analysisKeys) expect(Array.from(b[k]!.dataSync())).toEqual(Array.from(a[k]!.dataSync()));
    // ... while the synthesis trained.
    const synthesisKey = Object.keys(a).find((k) => k.startsWith('synthesis.'))!;
    expect(Array.from(b[synthesisKey]!.dataSync())).not.toEqual(Array.from(a[synthesisKey]!.dataSync()));
    Object.values(a).forEach((t) => t.dispose());
    Object.values(b).forEach((t) => t.dispose());
    before.model.dispose();
    after.model.dispose();

    const other = await ncomp(
      'train',
      '--data',
      data,
      '--out',
      join(dir, 'init-bad'),
      '--init',
      start,
      '--config',
      '{"N":8,"M":4,"lambdas":[0.01,0.04]}',
      '--crop',
      '64',
      '--steps',
      '1',
      ...B,
    );
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('only "lambdas" may differ');
    const withResume = await ncomp('train', '--out', run, '--resume', '--init', start, ...B);
    expect(withResume.code).toBe(2);
    expect(withResume.stderr).toContain('drop --init');
    const badFactor = await ncomp('train', '--data', data, '--out', join(dir, 'lr-bad'), '--lr-multipliers', '{"analysis.":-1}', ...B);
    expect(badFactor.code).toBe(2);
    expect(badFactor.stderr).toContain('finite number >= 0');
    const notJson = await ncomp('train', '--data', data, '--out', join(dir, 'lr-bad'), '--lr-multipliers', 'analysis=2', ...B);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--lr-multipliers is not JSON');
  });

  it('refuses --resume without a checkpoint and a missing --out / --data', async () => {
    const r = await ncomp('train', '--data', data, '--out', join(dir, 'nothing'), '--resume', ...B);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no checkpoint');
    expect((await ncomp('train', '--data', data, ...B)).code).toBe(2);
    expect((await ncomp('train', '--out', join(dir, 'nothing'), ...B)).code).toBe(2);
    const none = await ncomp('export', join(dir, 'nothing'), join(dir, 'x.safetensors'), ...B);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no checkpoint');
  });
});

describe('ncomp eval', () => {
  let modelPath: string;
  let images: string;
  beforeAll(async () => {
    const config = { N: 8, M: 8, lambdas: [0.01, 0.05] };
    modelPath = join(dir, 'eval-model.safetensors');
    const model = createModel('bmshj2018', config);
    model.update();
    await saveModelFile(modelPath, model, 'bmshj2018', config);
    model.dispose();
    images = join(dir, 'eval-images');
    await mkdir(images);
    await writeImage(join(images, 'x.png'), 40, 32, 5);
    await writeImage(join(images, 'y.png'), 33, 47, 6);
  });

  it('writes results and prints the table; BD-rate with too few points is "not computable"', async () => {
    const out = join(dir, 'eval-out');

    const r = await ncomp('eval', images, '--codecs', 'jpeg', '--out', out, '--model', modelPath, '--quiet', ...B);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('bmshj2018 on 2 images');
    expect(r.stdout).toMatch(/quality\s+bpp\s+PSNR\s+MS-SSIM/);
    expect(r.stdout).toContain('jpeg bpp');
    expect(r.stdout).toMatch(/BD-rate vs JPEG: not computable \(.*at least 4 points/);
    expect((await readdir(out)).sort()).toEqual(['rd-psnr.svg', 'results.csv', 'results.json']);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
      qualities: number[];
      rows: { codec: string; bpp: number; psnr: number }[];
      bdRate: Record<string, unknown>;
    };
    expect(results.qualities).toEqual([0, 1]);
    expect(results.rows.filter((row) => row.codec === 'ncomp')).toHaveLength(4);
    expect(results.rows.filter((row) => row.codec === 'jpeg')).toHaveLength(4);
    for (const row of results.rows) expect(row.bpp).toBeGreaterThan(0);
    expect(typeof results.bdRate['jpeg']).toBe('string');
    const csv = await readFile(join(out, 'results.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toContain('image,codec,quality,bytes,bpp,psnr');
    expect(await readFile(join(out, 'rd-psnr.svg'), 'utf8')).toMatch(/^<svg|<\?xml/);

    // Results are not overwritten without --force.
    const again = await ncomp('eval', images, '--codecs', 'none', '--out', out, '--model', modelPath, '--quiet', ...B);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
  });

  it('refuses a quality outside the model range and an unknown codec', async () => {
    const q = await ncomp('eval', images, '--qualities', '0,3', '--codecs', 'none', '--model', modelPath, '--quiet', ...B);
    expect(q.code).toBe(2);
    expect(q.stderr).toContain('[0, 1]');
    const c = await ncomp('eval', images, '--codecs', 'jpeg,png', '--model', modelPath, '--quiet', ...B);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('unknown codec "png"');
  });
});
