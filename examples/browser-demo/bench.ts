/**
 * Browser benchmark: bundle sizes of the demo page and decode times per backend in headless
 * Chromium, for docs/browser.md. Compresses a Kodak image (768x512) with the Node.js CLI,
 * then decodes it in the page `--runs` times per backend: the first decode (cold: kernels
 * and shaders compiled) and the median of the others (warm). wasm runs twice: on a
 * cross-origin isolated page (threads) and on a plain one.
 *
 * Usage (after `npm run build`):
 *   npm run bench:browser -w @ncomp/examples -- [--runs 3] [--image path] [--quality 2]
 *     [--backends wasm,wasm-plain,webgl,webgpu]   (wasm-plain: wasm on a page that is not isolated)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDemo } from './build.js';
import { decodeInPage, launchChromium, openDemo } from './drive.js';
import { serveStatic } from './serve.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const runs = Number(option('runs', '3'));
const image = option('image', join(ROOT, '../shared/data/kodak/kodim23.png'));
const quality = option('quality', '2');
const work = mkdtempSync(join(tmpdir(), 'ncomp-browser-bench-'));
try {
  const site = join(work, 'site');
  const sizes = await buildDemo(site);
  console.log('| file | raw | gzip |\n| --- | ---: | ---: |');
  for (const [name, { raw, gzip }] of Object.entries(sizes)) console.log(`| ${name} | ${(raw / 1024).toFixed(0)} KB | ${(gzip / 1024).toFixed(0)} KB |`);
  const ncomp = join(work, 'image.ncomp');
  execFileSync(process.execPath, [join(ROOT, 'packages/cli/dist/bin.js'), 'compress', image, '-o', ncomp, '--quality', quality, '--backend', 'wasm'], {
    stdio: 'pipe',
  });
  console.log(`\n${image} at quality ${quality}: ${readFileSync(ncomp).length} bytes; ${runs} decodes per backend\n`);
  console.log('| backend | page | first decode | warm decode (median) | backend report |\n| --- | --- | ---: | ---: | --- |');
  const browser = await launchChromium();
  const backends = option('backends', 'wasm,wasm-plain,webgl,webgpu').split(',');
  for (const name of backends) {
    const backend = name === 'wasm-plain' ? 'wasm' : name;
    const isolated = name !== 'wasm-plain';
    const server = await serveStatic(site, { isolated });
    const opened = await openDemo(browser, server.url, backend);
    const page = isolated ? 'isolated' : 'not isolated';
    if (opened.state !== 'done') {
      console.log(`| ${backend} | ${page} | - | - | ${opened.status} |`);
    } else {
      const times: number[] = [];
      try {
        for (let i = 0; i < runs; i++) times.push((await decodeInPage(opened.page, ncomp)).ms);
      } catch (err) {
        console.log(`| ${backend} | ${page} | failed after ${times.length} decodes | - | ${(err as Error).message.replace(/\|/g, '/')} |`);
        await opened.page.close();
        await server.close();
        continue;
      }
      const warm = times.slice(1).sort((a, b) => a - b);
      const median = warm.length > 0 ? `${(warm[Math.floor(warm.length / 2)]! / 1000).toFixed(2)} s` : '-';
      console.log(`| ${backend} | ${page} | ${(times[0]! / 1000).toFixed(2)} s | ${median} | ${opened.report.replace(/\|/g, '/')} |`);
    }
    await opened.page.close();
    await server.close();
  }
  await browser.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
