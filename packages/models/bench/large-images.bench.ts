/**
 * Compress and decompress time and peak memory of the default model on large images
 * (issue 17): 512x768, 4000x3000, 8000x6000 and 12000x8000 by default, each compress and
 * each decompress in a fresh process (peak RSS is per process), on the wasm backend, with
 * g_a / g_s in tiles (`compressPixels` / `decompressPixels`, as the CLI runs them). The
 * image is synthetic (smooth gradients plus noise), built in the compressing process.
 *
 * Opt-in (minutes on a 2-core machine; not part of `npm run bench`):
 * `npm run bench:large -w @ncomp/models [-- --sizes 512x768,4000x3000] [--tile 32]`.
 * Prints a table: width x height, megapixels, bytes, bpp, compress s, compress peak MiB,
 * decompress s, decompress peak MiB, and seconds per megapixel.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
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
  const t0 = performance.now();
  if (phase === 'compress') {
    const [width, height] = arg('--size', '512x768').split('x').map(Number) as [number, number];
    const rgb = new Float32Array(width * height * 3);
    let s = 1;
    for (let i = 0; i < rgb.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const p = Math.floor(i / 3);
      const x = p % width;
      const y = Math.floor(p / width);
      rgb[i] = Math.min(1, Math.max(0, 0.5 + 0.35 * Math.sin(x / 97 + (i % 3)) * Math.cos(y / 61) + ((s >>> 24) - 128) / 4096));
    }
    const t1 = performance.now();
    const c = await model.compressPixels(rgb, height, width, undefined, { tile });
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
    console.log(JSON.stringify({ seconds, bytes: bytes.length, peakMiB: process.resourceUsage().maxRSS / 1024 }));
  } else {
    const { header: h, streams } = decodeContainer(new Uint8Array(readFileSync(file)));
    const rgb = await model.decompressPixels(
      { streams, width: h.width, height: h.height, paddedWidth: h.paddedWidth, paddedHeight: h.paddedHeight, quality: h.quality },
      undefined,
      { tile },
    );
    console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, values: rgb.length, peakMiB: process.resourceUsage().maxRSS / 1024 }));
  }
}

interface Phase {
  readonly seconds: number;
  readonly bytes?: number;
  readonly peakMiB: number;
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
  console.log('size         MP      bytes     bpp  compress s  peak MiB  decompress s  peak MiB  s/MP (c, d)');
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
      const mp = (w * h) / 1e6;
      console.log(
        `${size.padEnd(11)} ${mp.toFixed(1).padStart(5)} ${String(c.bytes).padStart(10)} ${((c.bytes! * 8) / (w * h)).toFixed(3).padStart(7)} ` +
          `${c.seconds.toFixed(1).padStart(11)} ${c.peakMiB.toFixed(0).padStart(9)} ${d.seconds.toFixed(1).padStart(13)} ${d.peakMiB.toFixed(0).padStart(9)}  ` +
          `${(c.seconds / mp).toFixed(2)}, ${(d.seconds / mp).toFixed(2)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
