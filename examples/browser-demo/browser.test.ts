/**
 * The demo page in a real browser (headless Chromium): a .ncomp file made by the Node.js
 * CLI decodes in the page on wasm, webgl and (where the browser offers an adapter) webgpu,
 * to the pixels Node.js decodes on wasm, within float rounding; compressing an image
 * through the page works end to end, and a screenshot of it is kept in
 * examples/browser-demo/screenshots/.
 *
 * Needs Chromium (scripts/setup-browser.sh installs Debian's package) and the built
 * packages (`npm run build`; `npm test` builds first). Without Chromium the tests skip,
 * saying so, unless NCOMP_REQUIRE_BROWSER=1 (CI sets it when the setup succeeded), which
 * turns the skip into a failure.
 */
import { decodeContainer } from '@ncomp/models/container';
import { DEFAULT_MODEL_FILE, loadModelFile } from '@ncomp/models';
import { setBackend } from '@ncomp/core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo } from './build.js';
import { CHROMIUM, chromiumInstalled, decodeInPage, launchChromium, openDemo, settled } from './drive.js';
import { rgb01ToRgb8 } from './src/pixels.js';
import { serveStatic, type StaticServer } from './serve.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
const CLI = join(ROOT, 'packages/cli/dist/bin.js');
const KODAK = join(ROOT, '../shared/data/kodak/kodim23.png');
const SCREENSHOTS = join(HERE, 'screenshots');
const REQUIRED = process.env['NCOMP_REQUIRE_BROWSER'] === '1';
const HAVE_CHROMIUM = chromiumInstalled();
const SKIP_REASON = `no Chromium at ${CHROMIUM} (install it with \`sudo bash scripts/setup-browser.sh\`, or point NCOMP_CHROMIUM at one)`;

if (!HAVE_CHROMIUM && !REQUIRED) console.warn(`browser tests skipped: ${SKIP_REASON}`);

describe('browser tests can run', () => {
  it.runIf(REQUIRED)('NCOMP_REQUIRE_BROWSER=1: Chromium is installed', () => {
    expect(HAVE_CHROMIUM, SKIP_REASON).toBe(true);
  });
});

/** Differences between two 8-bit images of the same size. */
function compare(a: Uint8Array, b: Uint8Array): { maxDiff: number; differing: number } {
  let maxDiff = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (d > 0) differing++;
    if (d > maxDiff) maxDiff = d;
  }
  return { maxDiff, differing };
}

describe.runIf(HAVE_CHROMIUM)('the demo page in headless Chromium', () => {
  let work: string;
  let server: StaticServer;
  let browser: Browser;
  let ncomp: string;
  let crop: string;
  /** Node.js's decode of `ncomp` on wasm, 8-bit RGB. */
  let reference: Uint8Array;
  let size: { width: number; height: number };

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    work = mkdtempSync(join(tmpdir(), 'ncomp-browser-'));
    const site = join(work, 'site');
    await buildDemo(site);
    // A Kodak crop, compressed by the CLI (as a user would make the file).
    crop = join(work, 'kodim23-crop.png');
    await sharp(KODAK).extract({ left: 256, top: 96, width: 256, height: 192 }).png().toFile(crop);
    ncomp = join(work, 'kodim23-crop.ncomp');
    execFileSync(process.execPath, [CLI, 'compress', crop, '-o', ncomp, '--quality', '2', '--backend', 'wasm'], { stdio: 'pipe' });
    // Node.js's own decode, on wasm.
    await setBackend('wasm');
    const loaded = await loadModelFile(DEFAULT_MODEL_FILE);
    const { header: h, streams } = decodeContainer(new Uint8Array(readFileSync(ncomp)));
    const rgb = await loaded.model.decompressPixels({
      streams,
      height: h.height,
      width: h.width,
      paddedHeight: h.paddedHeight,
      paddedWidth: h.paddedWidth,
      quality: h.quality,
    });
    loaded.model.dispose();
    reference = rgb01ToRgb8(rgb);
    size = { width: h.width, height: h.height };
    server = await serveStatic(site, { isolated: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  for (const backend of ['wasm', 'webgl', 'webgpu'] as const) {
    it(`decodes the CLI's .ncomp file on ${backend} to Node.js's wasm pixels, within float rounding`, async (ctx) => {
      const errors: string[] = [];
      const opened = await openDemo(browser, server.url, backend, errors);
      try {
        if (backend === 'webgpu' && opened.state === 'error' && /no WebGPU/.test(opened.status)) {
          console.warn(`webgpu skipped: the headless browser offers no adapter (${opened.status})`);
          ctx.skip();
        }
        expect(opened.state, opened.status).toBe('done');
        expect(opened.backend).toBe(backend);
        const decoded = await decodeInPage(opened.page, ncomp);
        expect([decoded.width, decoded.height]).toEqual([size.width, size.height]);
        const { maxDiff, differing } = compare(decoded.rgb, reference);
        console.log(
          `${backend}: decoded ${size.width}x${size.height} in ${decoded.ms.toFixed(0)} ms; ${differing} of ${reference.length} samples differ from Node.js (max ${maxDiff}); ${opened.report}`,
        );
        // Entropy decoding is exact everywhere (portable bitstreams); only g_s's float
        // rounding may move a sample across a rounding boundary.
        expect(maxDiff).toBeLessThanOrEqual(1);
        expect(differing).toBeLessThan(reference.length / 100);
        expect(errors).toEqual([]);
      } finally {
        await opened.page.close();
      }
    });
  }

  it('compresses an image through the page (bpp, PSNR, and a JPEG of the same size) and keeps a screenshot', async () => {
    const errors: string[] = [];
    const opened = await openDemo(browser, server.url, 'wasm', errors);
    try {
      expect(opened.state, opened.status).toBe('done');
      await opened.page.setViewportSize({ width: 1000, height: 480 });
      await opened.page.setInputFiles('#image-input', crop);
      await settled(opened.page);
      await opened.page.locator('#quality').fill('2');
      await opened.page.locator('#compress').click();
      const { state, status } = await settled(opened.page);
      expect(state, status).toBe('done');
      const caption = (await opened.page.locator('#decoded-caption').textContent()) ?? '';
      const jpeg = (await opened.page.locator('#jpeg-caption').textContent()) ?? '';
      // The page's file is the CLI's, byte for byte: same model, same quality, same pixels.
      expect(caption).toContain(`ncomp: ${readFileSync(ncomp).length} bytes`);
      const psnr = Number(/PSNR ([\d.]+) dB/.exec(caption)?.[1]);
      expect(psnr).toBeGreaterThan(30);
      const jpegBytes = Number(/: (\d+) bytes/.exec(jpeg)?.[1]);
      expect(jpegBytes).toBeLessThanOrEqual(readFileSync(ncomp).length);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await opened.page.screenshot({ path: join(SCREENSHOTS, 'demo-wasm.png') });
      console.log(`page: ${caption} | ${jpeg}`);
      expect(errors).toEqual([]);
    } finally {
      await opened.page.close();
    }
  });
});
