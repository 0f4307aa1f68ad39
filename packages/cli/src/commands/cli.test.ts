/**
 * End-to-end tests of the `ncomp` command, run in-process through `main(argv, io)`:
 * compress / decompress round trips for every supported input kind, quality, damaged and
 * foreign files, overwrite protection, usage errors, info and models. The models are tiny
 * untrained bmshj2018 files written to a temporary folder (the shipped default model is
 * not used).
 */
import { setBackend } from '@ncomp/core';
import { DEFAULT_MODEL_FILE, createModel, loadModelFile, saveModelFile, type LoadedModel } from '@ncomp/models';
import { decodeContainer } from '@ncomp/models/container';
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../image/index.js';
import { main } from '../main.js';
import { COMMANDS } from './registry.js';

/** What one `ncomp` run printed and returned. */
interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `ncomp <argv>` in-process, capturing stdout and stderr. */
async function ncomp(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

let dir: string;
/** Variable-rate model (2 levels) and a model of the same architecture with other weights. */
let modelPath: string;
let otherModelPath: string;
let loaded: LoadedModel;

// Lambdas far apart: the untrained gain units then quantize the two levels very differently (0.01 vs 0.05 sometimes gave equal sizes).
const VARIABLE = { N: 8, M: 8, lambdas: [0.0001, 0.1] };
const B = ['--backend', 'wasm', '--quiet'];

/** Deterministic pseudo-random bytes (LCG), smooth gradient plus noise. */
function pixels(width: number, height: number, channels: number, max = 255, seed = 1): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        const base = ((x + 2 * y + 17 * c) / (width + 2 * height + 17 * channels)) * max;
        const noise = ((s >>> 8) / 2 ** 24 - 0.5) * 0.2 * max;
        out.push(Math.max(0, Math.min(max, Math.round(base + noise))));
      }
    }
  }
  return out;
}

function raw8(width: number, height: number, channels: 1 | 2 | 3 | 4, seed = 1): sharp.Sharp {
  const img = sharp(Uint8Array.from(pixels(width, height, channels, 255, seed)), { raw: { width, height, channels } });
  return channels <= 2 ? img.toColourspace('b-w') : img;
}

beforeAll(async () => {
  await setBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'ncomp-cli-'));
  modelPath = join(dir, 'variable.safetensors');
  otherModelPath = join(dir, 'other.safetensors');
  for (const path of [modelPath, otherModelPath]) {
    const model = createModel('bmshj2018', VARIABLE);
    model.update();
    await saveModelFile(path, model, 'bmshj2018', VARIABLE);
    model.dispose();
  }
  loaded = await loadModelFile(modelPath);
});

afterAll(async () => {
  loaded?.model.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Case {
  readonly name: string;
  readonly file: string;
  readonly make: (path: string) => Promise<unknown>;
  /** Size of the decoded image (after EXIF rotation). */
  readonly size: readonly [number, number];
  readonly channels: 'gray' | 'gray-alpha' | 'rgb' | 'rgba';
  readonly outChannels: 1 | 3;
  readonly bitDepth: 8 | 16;
}

const CASES: readonly Case[] = [
  { name: '8-bit RGB PNG 37x23', file: 'rgb.png', make: (p) => raw8(37, 23, 3).png().toFile(p), size: [37, 23], channels: 'rgb', outChannels: 3, bitDepth: 8 },
  {
    name: 'JPEG 1x70',
    file: 'tall.jpg',
    make: (p) => raw8(1, 70, 3).jpeg({ quality: 90 }).toFile(p),
    size: [1, 70],
    channels: 'rgb',
    outChannels: 3,
    bitDepth: 8,
  },
  {
    name: 'WebP 65x64',
    file: 'wide.webp',
    make: (p) => raw8(65, 64, 3).webp({ quality: 90 }).toFile(p),
    size: [65, 64],
    channels: 'rgb',
    outChannels: 3,
    bitDepth: 8,
  },
  { name: 'gray PNG', file: 'gray.png', make: (p) => raw8(37, 23, 1).png().toFile(p), size: [37, 23], channels: 'gray', outChannels: 1, bitDepth: 8 },
  {
    name: 'gray+alpha PNG',
    file: 'gray-alpha.png',
    make: (p) => raw8(23, 37, 2).png().toFile(p),
    size: [23, 37],
    channels: 'gray-alpha',
    outChannels: 1,
    bitDepth: 8,
  },
  { name: 'RGBA PNG', file: 'rgba.png', make: (p) => raw8(37, 23, 4).png().toFile(p), size: [37, 23], channels: 'rgba', outChannels: 3, bitDepth: 8 },
  {
    name: '16-bit RGB PNG',
    file: 'rgb16.png',
    make: (p) =>
      sharp(Uint16Array.from(pixels(33, 17, 3, 65535)), { raw: { width: 33, height: 17, channels: 3 } })
        .toColourspace('rgb16')
        .png()
        .toFile(p),
    size: [33, 17],
    channels: 'rgb',
    outChannels: 3,
    bitDepth: 16,
  },
  {
    name: 'EXIF-rotated JPEG (orientation 6)',
    file: 'rotated.jpg',
    make: (p) => raw8(30, 20, 3).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toFile(p),
    size: [20, 30],
    channels: 'rgb',
    outChannels: 3,
    bitDepth: 8,
  },
];

describe('ncomp compress / decompress round trip', () => {
  it.each(CASES)('$name', async (c) => {
    const input = join(dir, c.file);
    await c.make(input);
    const stem = c.file.replace(/\.[a-z]+$/, '');
    const coded = join(dir, `${stem}.ncomp`);
    const r1 = await ncomp('compress', input, '--model', modelPath, '--quality', '0.5', ...B);
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);
    expect(r1.stdout).toContain(`-> ${coded}`);

    // The container describes the input and holds exactly what the model codes.
    const container = decodeContainer(new Uint8Array(await readFile(coded)));
    const [width, height] = c.size;
    expect(container.header).toMatchObject({ modelName: 'bmshj2018', width, height, channels: c.channels, bitDepth: c.bitDepth, quality: 0.5 });
    expect(Buffer.from(container.header.weightsDigest).equals(Buffer.from(loaded.digest))).toBe(true);
    const image = await readImage(input);
    const x = tf.tensor4d(image.rgb, [1, image.height, image.width, 3]);
    const direct = await loaded.model.compress(x, 0.5);
    x.dispose();
    expect(container.streams).toEqual(direct.streams);

    const png = join(dir, `${stem}.decoded.png`);
    const r2 = await ncomp('decompress', coded, '-o', png, '--model', modelPath, ...B);
    expect(r2.stderr).toBe('');
    expect(r2.code).toBe(0);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height]).toEqual([width, height]);
    expect(meta.channels).toBe(c.outChannels);
    expect(meta.depth).toBe(c.bitDepth === 16 ? 'ushort' : 'uchar');

    // Pixels: those of model.decompress on the same streams, rounded as the PNG stores them.
    const y = await loaded.model.decompress({
      streams: container.streams,
      height,
      width,
      paddedHeight: container.header.paddedHeight,
      paddedWidth: container.header.paddedWidth,
      quality: 0.5,
    });
    const rgb = y.dataSync() as Float32Array;
    y.dispose();
    const max = c.bitDepth === 16 ? 65535 : 255;
    const q = (v: number): number => Math.round(Math.min(1, Math.max(0, v)) * max);
    const decoded = await readImage(png); // exact for 8 and 16-bit PNGs (see read-image.test.ts)
    expect(decoded.source).toEqual({ format: 'png', channels: c.outChannels === 1 ? 'gray' : 'rgb', bitDepth: c.bitDepth });
    let worst = 0;
    for (let p = 0; p < width * height; p++) {
      for (let k = 0; k < 3; k++) {
        const want = c.outChannels === 1 ? q((rgb[3 * p]! + rgb[3 * p + 1]! + rgb[3 * p + 2]!) / 3) : q(rgb[3 * p + k]!);
        worst = Math.max(worst, Math.abs(Math.round(decoded.rgb[3 * p + k]! * max) - want));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);

    // Decoding again gives the same bytes.
    const again = join(dir, `${stem}.again.png`);
    expect((await ncomp('decompress', coded, '-o', again, '--model', modelPath, ...B)).code).toBe(0);
    expect(Buffer.compare(await readFile(again), await readFile(png))).toBe(0);
  });

  it('writes outputs into --out-dir and leaks no tensors', async () => {
    const input = join(dir, 'leak.png');
    await raw8(19, 21, 3, 5).png().toFile(input);
    const out = join(dir, 'outdir');
    await mkdir(out);
    await ncomp('info', ...B); // backend initialised before counting
    const before = tf.memory().numTensors;
    expect((await ncomp('compress', input, '--out-dir', out, '--model', modelPath, ...B)).code).toBe(0);
    expect((await ncomp('decompress', join(out, 'leak.ncomp'), '--out-dir', out, '--model', modelPath, ...B)).code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect((await readdir(out)).sort()).toEqual(['leak.ncomp', 'leak.png']);
  });
});

describe('--quality', () => {
  let input: string;
  beforeAll(async () => {
    input = join(dir, 'quality.png');
    // Large enough that the untrained model's two levels differ by many bytes (at 64 x 48
    // both levels could round the whole latent alike and give equal sizes).
    await raw8(320, 240, 3, 7).png().toFile(input);
  });

  it('is stored in the container, shown by info, and changes the size', async () => {
    const sizes: number[] = [];
    for (const quality of ['0', '1']) {
      const out = join(dir, `quality-${quality}.ncomp`);
      const r = await ncomp('compress', input, '-o', out, '--quality', quality, '--model', modelPath, ...B);
      expect(r.code).toBe(0);
      expect(decodeContainer(new Uint8Array(await readFile(out))).header.quality).toBe(Number(quality));
      const info = await ncomp('info', out);
      expect(info.code).toBe(0);
      expect(info.stdout).toMatch(new RegExp(`quality: +${quality}\\n`));
      expect(info.stdout).toContain('model:     bmshj2018');
      expect(info.stdout).toContain('image:     320 x 240 pixels, rgb, 8-bit');
      sizes.push((await stat(out)).size);
    }
    expect(sizes[1]).toBeGreaterThan(sizes[0]! + 16);
  });

  it('defaults to the highest level', async () => {
    const out = join(dir, 'quality-default.ncomp');
    expect((await ncomp('compress', input, '-o', out, '--model', modelPath, ...B)).code).toBe(0);
    expect(decodeContainer(new Uint8Array(await readFile(out))).header.quality).toBe(1);
  });

  it.each(['2', '-0.5', 'high'])('refuses %s with exit 2 naming the range', async (quality) => {
    const out = join(dir, 'quality-bad.ncomp');
    const r = await ncomp('compress', input, '-o', out, `--quality=${quality}`, '--model', modelPath, ...B);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--quality must be a number in [0, 1]');
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
  });
});

describe('damaged and foreign files', () => {
  let good: Buffer;
  beforeAll(async () => {
    const input = join(dir, 'victim.png');
    await raw8(40, 30, 3, 11).png().toFile(input);
    const r = await ncomp('compress', input, '-o', join(dir, 'victim.ncomp'), '--model', modelPath, ...B);
    expect(r.code).toBe(0);
    good = await readFile(join(dir, 'victim.ncomp'));
  });

  /** Decompresses `bytes` written as `name`; expects a one-line refusal naming the file and no PNG. */
  async function refused(name: string, bytes: Uint8Array, model = modelPath): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    const png = path.replace(/\.ncomp$/, '.png');
    const r = await ncomp('decompress', path, '--model', model, ...B);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(path);
    expect(lines[0]).not.toContain('unexpected error');
    await expect(stat(png)).rejects.toThrow(/ENOENT/);
    return lines[0]!;
  }

  it('refuses a bit flip anywhere', async () => {
    for (const at of [2, 30, Math.floor(good.length / 2), good.length - 1]) {
      const bad = Buffer.from(good);
      bad[at]! ^= 0x10;
      const line = await refused(`flip-${at}.ncomp`, bad);
      expect(line).toMatch(/checksum|corrupt|damaged|not an ncomp|format|magic/i);
    }
  });

  it('refuses a truncated file', async () => {
    expect(await refused('truncated.ncomp', good.subarray(0, good.length - 7))).toMatch(/truncated|checksum|short/i);
    expect(await refused('empty.ncomp', new Uint8Array(0))).toMatch(/truncated|empty|short/i);
  });

  it('refuses bytes appended after the checksum', async () => {
    expect(await refused('appended.ncomp', Buffer.concat([good, Buffer.from('extra')]))).toMatch(/append|after|checksum|trailing/i);
  });

  it('refuses a PNG renamed .ncomp, naming PNG', async () => {
    const png = await raw8(4, 4, 3).png().toBuffer();
    expect(await refused('picture.ncomp', png)).toContain('PNG');
  });

  it('refuses a file of another model (other weights) by its digest', async () => {
    const line = await refused('other-weights.ncomp', good, otherModelPath);
    expect(line).toMatch(/digest/);
    expect(line).toContain('--model');
  });

  it('info refuses a damaged file the same way', async () => {
    const path = join(dir, 'info-bad.ncomp');
    await writeFile(path, good.subarray(0, 20));
    const r = await ncomp('info', path);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(path);
  });
});

describe('outputs', () => {
  let input: string;
  let second: string;
  beforeAll(async () => {
    input = join(dir, 'keep.png');
    second = join(dir, 'keep2.png');
    await raw8(16, 16, 3, 3).png().toFile(input);
    await raw8(16, 16, 3, 4).png().toFile(second);
  });

  it('never replaces an existing output without --force', async () => {
    const out = join(dir, 'keep.ncomp');
    await writeFile(out, 'precious');
    const r = await ncomp('compress', input, '--model', modelPath, ...B);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--force');
    expect(await readFile(out, 'utf8')).toBe('precious');

    const forced = await ncomp('compress', input, '--force', '--model', modelPath, ...B);
    expect(forced.code).toBe(0);
    expect(decodeContainer(new Uint8Array(await readFile(out))).header.width).toBe(16);

    const png = join(dir, 'keep.png.out.png');
    await writeFile(png, 'precious');
    const d = await ncomp('decompress', out, '-o', png, '--model', modelPath, ...B);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('--force');
    expect(await readFile(png, 'utf8')).toBe('precious');
    expect((await ncomp('decompress', out, '-o', png, '--force', '--model', modelPath, ...B)).code).toBe(0);
    expect((await sharp(png).metadata()).width).toBe(16);
  });

  it('refuses -o with several inputs', async () => {
    const r = await ncomp('compress', input, second, '-o', join(dir, 'both.ncomp'), '--model', modelPath, ...B);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out-dir');
    await expect(stat(join(dir, 'both.ncomp'))).rejects.toThrow(/ENOENT/);
  });
});

describe('usage', () => {
  it('prints the help and exits 2 without a command', async () => {
    const r = await ncomp();
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: ncomp <command>');
    for (const name of COMMANDS.keys()) expect(r.stdout).toContain(name);
  });

  it('--help exits 0', async () => {
    expect((await ncomp('--help')).code).toBe(0);
  });

  it('refuses an unknown command with exit 2', async () => {
    const r = await ncomp('compres', 'x.png');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "compres"');
  });

  it('refuses an unknown option with exit 2 and points to --help', async () => {
    const r = await ncomp('compress', 'x.png', '--qualty', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Run `ncomp compress --help`');
  });

  it.each([...COMMANDS.keys()])('%s --help exits 0', async (name) => {
    const r = await ncomp(name, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ncomp ${name}`);
    expect(r.stdout).toContain('Usage:');
  });

  it('refuses a missing input with exit 2 "no such file"', async () => {
    const missing = join(dir, 'missing.png');
    const c = await ncomp('compress', missing, '--model', modelPath, ...B);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('no such file');
    expect(c.stderr).toContain(missing);
    const d = await ncomp('decompress', join(dir, 'missing.ncomp'), '--model', modelPath, ...B);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('no such file');
    const m = await ncomp('compress', missing, '--model', join(dir, 'missing.safetensors'), ...B);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain('no such model file');
    const n = await ncomp('compress', missing, '--model', 'no-such-model', ...B);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/no such model file or shipped model: no-such-model \(shipped: [a-z0-9-, ]*default/);
  });

  it('models and --model take the name of a shipped model (weights/<name>.safetensors)', async () => {
    const r = await ncomp('models', '--model', 'default', ...B);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Shipped models \(--model <name>\): [a-z0-9-, ]*default/);
    expect(r.stdout).toContain(`Model file: ${DEFAULT_MODEL_FILE}`);
    expect(r.stdout).toContain('architecture block-hyperprior');
  });

  it('refuses an unknown backend with exit 2', async () => {
    const r = await ncomp('info', '--backend', 'gpu');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--backend must be one of auto, tensorflow, webgpu, wasm, cpu');
  });

  it('info without files prints the backend', async () => {
    const r = await ncomp('info', '--backend', 'wasm');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('backend: wasm');
  });

  it('info --backend webgpu names the adapter, or says why WebGPU is unavailable', async () => {
    const r = await ncomp('info', '--backend', 'webgpu');
    if (r.code === 0) {
      // A machine where Dawn finds an adapter (a GPU, or lavapipe).
      expect(r.stdout).toContain('backend: webgpu');
      expect(r.stdout).toContain('"webgpu": {');
    } else {
      // No adapter (CI), or the optional packages not installed.
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/backend 'webgpu' (is unavailable: no WebGPU adapter found|needs @tensorflow\/tfjs-backend-webgpu)/);
    }
    await setBackend('wasm');
  });

  it('models --model lists the registry and the file', async () => {
    const r = await ncomp('models', '--model', modelPath, ...B);
    expect(r.code).toBe(0);
    for (const name of ['bls2017', 'bmshj2018', 'mbt2018-mean']) expect(r.stdout).toContain(name);
    expect(r.stdout).toContain(`Model file: ${modelPath}`);
    expect(r.stdout).toContain(`architecture bmshj2018, config ${JSON.stringify(VARIABLE)}`);
    expect(r.stdout).toContain('quality levels 0..1');
  });

  it('models refuses a file that is not a model', async () => {
    const bogus = join(dir, 'bogus.safetensors');
    await writeFile(bogus, 'not a model');
    const r = await ncomp('models', '--model', bogus, ...B);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not usable');
  });
});
