/**
 * Compress and decompress time and peak memory of the default model on large images
 * (issue 17): 512x768, 4000x3000, 8000x6000 and 12000x8000 by default, each compress and
 * each decompress in a fresh process (peak RSS is per process), on the wasm backend, with
 * g_a / g_s in tiles and the entropy coding in bands, as the CLI runs them: the image is a
 * mosaic of the Kodak photos held as 8-bit samples and read row by row
 * (`compressPixels`), and the decoded bands are converted into 8-bit samples
 * (`decompressRows`), so the peaks are the CLI's without its PNG decoding and encoding.
 *
 * Opt-in (minutes on a 2-core machine; not part of `npm run bench`):
 * `npm run bench:large -w @ncomp/models [-- --sizes 512x768,4000x3000] [--tile 32]`.
 * Prints a table: width x height, megapixels, bytes, bpp, compress s, compress peak MiB,
 * decompress s, decompress peak MiB, seconds per megapixel, and the one-minute load
 * average at the end of each phase (the machine's other work slows the phases down).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

/** The Kodak images as 8-bit RGB samples (768x512; the portrait ones are rotated to landscape). */
async function kodak(): Promise<Uint8Array[]> {
  const dir = fileURLToPath(new URL('../../../../shared/data/kodak/', import.meta.url));
  if (!existsSync(dir)) throw new Error(`${dir} is absent (../shared/data beside the repository)`);
  const { default: sharp } = await import('sharp');
  const out: Uint8Array[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.png'))
    .sort()) {
    const image = sharp(join(dir, f)).removeAlpha();
    const { height } = await image.metadata();
    const { data } = await (height === 512 ? image : image.rotate(90)).raw().toBuffer({ resolveWithObject: true });
    out.push(new Uint8Array(data));
  }
  return out;
}

/**
 * A `width` x `height` photo mosaic as 8-bit RGB samples: the Kodak images tiled (768x512
 * each, every other one mirrored so the seams differ), held as the CLI holds a decoded
 * PNG, 3 bytes a pixel.
 */
async function mosaic(width: number, height: number): Promise<Uint8Array> {
  const photos = await kodak();
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x0 = 0; x0 < width; x0 += 768) {
      const k = (Math.floor(y / 512) * Math.ceil(width / 768) + x0 / 768) % photos.length;
      const photo = photos[k]!;
      const py = y % 512;
      const n = Math.min(768, width - x0);
      const mirrored = k % 2 === 1;
      for (let x = 0; x < n; x++) {
        const from = (py * 768 + (mirrored ? 767 - x : x)) * 3;
        const to = (y * width + x0 + x) * 3;
        out[to] = photo[from]!;
        out[to + 1] = photo[from + 1]!;
        out[to + 2] = photo[from + 2]!;
      }
    }
  }
  return out;
}

/** One phase in this process: `compress <w>x<h> <file>` or `decompress <file>`; prints JSON. */
async function child(phase: string): Promise<void> {
  const { setBackend } = await import('@ncomp/core');
  const { DEFAULT_MODEL_FILE, loadModelFile } = await import('../src/index.node.js');
  const { decodeContainer, encodeContainer } = await import('../src/container/index.js');
  await setBackend('wasm');
  const { model } = await loadModelFile(DEFAULT_MODEL_FILE);
  const tile = Number(arg('--tile', '32'));
  const file = arg('--file', '');
  if (phase === 'compress') {
    const [width, height] = arg('--size', '512x768').split('x').map(Number) as [number, number];
    const samples = await mosaic(width, height);
    // Rows converted as they are read, as the CLI does: no float32 copy of the image.
    const row = new Float32Array(width * 3);
    const pixels = {
      width,
      height,
      row: (y: number) => {
        for (let i = 0; i < row.length; i++) row[i] = samples[y * width * 3 + i]! / 255;
        return row;
      },
    };
    const t1 = performance.now();
    const c = await model.compressPixels(pixels, height, width, undefined, { tile, maxPixels: Infinity });
    const seconds = (performance.now() - t1) / 1000;
    const bytes = encodeContainer({
      header: {
        modelName: 'default',
        weightsDigest: new Uint8Array(16),
        width,
        height,
        paddedWidth: c.paddedWidth,
        paddedHeight: c.paddedHeight,
        channels: 'rgb',
        bitDepth: 8,
        quality: c.quality,
        extras: {},
      },
      streams: c.streams,
    });
    writeFileSync(file, bytes);
    console.log(JSON.stringify({ seconds, bytes: bytes.length, peakMiB: process.resourceUsage().maxRSS / 1024, load: loadavg()[0] }));
  } else {
    const t0 = performance.now();
    const { header: h, streams } = decodeContainer(new Uint8Array(readFileSync(file)));
    // Band by band into 8-bit samples, as the CLI fills its PNG.
    const samples = new Uint8Array(h.width * h.height * 3);
    await model.decompressRows(
      { streams, width: h.width, height: h.height, paddedWidth: h.paddedWidth, paddedHeight: h.paddedHeight, quality: h.quality },
      (y0, rows) => {
        const at = y0 * h.width * 3;
        for (let i = 0; i < rows.length; i++) samples[at + i] = Math.round(rows[i]! * 255);
      },
      undefined,
      { tile, maxPixels: Infinity },
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(JSON.stringify({ seconds, values: samples.length, peakMiB: process.resourceUsage().maxRSS / 1024, load: loadavg()[0] }));
  }
}

interface Phase {
  readonly seconds: number;
  readonly bytes?: number;
  readonly peakMiB: number;
  /** One-minute load average when the phase ended. */
  readonly load?: number;
  readonly failed?: string;
}

/** Runs one phase in a fresh process; a failure (e.g. out of memory) is reported, not thrown. */
function run(args: string[]): Phase {
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, ...args], { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').pop()!) as Phase;
  } catch (err) {
    const text = String((err as { stderr?: string }).stderr ?? err);
    const lines = text.split('\n').filter((l) => l.length < 300);
    const line = lines.find((l) => /Aborted|out of memory/i.test(l)) ?? lines.find((l) => /error/i.test(l)) ?? lines[0] ?? '';
    return { seconds: NaN, peakMiB: NaN, failed: line.trim().slice(0, 120) };
  }
}

async function main(): Promise<void> {
  const phase = arg('--phase', '');
  if (phase) return child(phase);
  const sizes = arg('--sizes', '512x768,4000x3000,8000x6000,12000x8000').split(',');
  const tile = arg('--tile', '32');
  const dir = mkdtempSync(join(tmpdir(), 'ncomp-large-'));
  console.log('size         MP      bytes     bpp  compress s  peak MiB  decompress s  peak MiB  s/MP (c, d)  load (c, d)');
  try {
    for (const size of sizes) {
      const [w, h] = size.split('x').map(Number) as [number, number];
      const file = join(dir, `${size}.ncomp`);
      const c = run(['--phase', 'compress', '--size', size, '--file', file, '--tile', tile]);
      if (c.failed) {
        console.log(`${size.padEnd(11)} compress failed: ${c.failed}`);
        continue;
      }
      const d = run(['--phase', 'decompress', '--file', file, '--tile', tile]);
      if (d.failed) console.log(`${size.padEnd(11)} decompress failed: ${d.failed}`);
      rmSync(file, { force: true });
      const mp = (w * h) / 1e6;
      console.log(
        `${size.padEnd(11)} ${mp.toFixed(1).padStart(5)} ${String(c.bytes).padStart(10)} ${((c.bytes! * 8) / (w * h)).toFixed(3).padStart(7)} ` +
          `${c.seconds.toFixed(1).padStart(11)} ${c.peakMiB.toFixed(0).padStart(9)} ${d.seconds.toFixed(1).padStart(13)} ${d.peakMiB.toFixed(0).padStart(9)}  ` +
          `${(c.seconds / mp).toFixed(2)}, ${(d.seconds / mp).toFixed(2)}   ${c.load?.toFixed(1)}, ${d.load?.toFixed(1)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
