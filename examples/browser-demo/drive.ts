/**
 * Driving the demo page in a headless Chromium, for the browser test and the browser
 * benchmark: the system's Chromium (Debian's `chromium` package, see
 * scripts/setup-browser.sh) through playwright-core, which downloads no browser of its own.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where the browser is: `NCOMP_CHROMIUM`, else Debian's /usr/bin/chromium. */
export const CHROMIUM = process.env['NCOMP_CHROMIUM'] ?? '/usr/bin/chromium';

/** Whether {@link CHROMIUM} exists. */
export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Launches it headless. `--no-sandbox`: CI runs as root, where Chromium's sandbox refuses
 * to start. SwiftShader gives WebGL (and, with the unsafe-WebGPU switch, a WebGPU
 * adapter) on machines without a GPU.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu', '--enable-features=Vulkan'],
  });
}

/** The page after start-up, with the outcome of choosing its backend. */
export interface OpenedDemo {
  readonly page: Page;
  /** `done` when the backend is active and the model loaded, `error` otherwise. */
  readonly state: string;
  /** The status line (the error's message when start-up failed). */
  readonly status: string;
  /** The active backend's name, as `describeBackend` tells. */
  readonly backend: string | null;
  /** The report line of `setBackend`. */
  readonly report: string;
}

/** Opens the demo at `url` with `?backend=choice` and waits for start-up to settle. */
export async function openDemo(browser: Browser, url: string, choice: string, errors: string[] = []): Promise<OpenedDemo> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => void (m.type() === 'error' && errors.push(`console: ${m.text()}`)));
  await page.goto(`${url}?backend=${choice}`);
  await page.waitForFunction(() => (globalThis as { ncompDemo?: unknown }).ncompDemo !== undefined);
  await page.evaluate(() => (globalThis as unknown as { ncompDemo: { started: Promise<void> } }).ncompDemo.started);
  const state = (await page.locator('#status').getAttribute('data-state')) ?? '';
  const status = (await page.locator('#status-text').textContent()) ?? '';
  const backend = await page.evaluate(() => (globalThis as unknown as { ncompDemo: { backend(): { name: string | null } } }).ncompDemo.backend().name);
  const report = (await page.locator('#backend').textContent()) ?? '';
  return { page, state, status, backend, report };
}

/** Waits until the page's status is no longer busy; returns its state and text. */
export async function settled(page: Page, timeoutMs = 300_000): Promise<{ state: string; status: string }> {
  await page.waitForFunction(() => (document.querySelector('#status') as HTMLElement).dataset['state'] !== 'busy', null, { timeout: timeoutMs });
  return { state: (await page.locator('#status').getAttribute('data-state')) ?? '', status: (await page.locator('#status-text').textContent()) ?? '' };
}

/** A decoded image as the page returns it. */
export interface PageDecoded {
  readonly width: number;
  readonly height: number;
  readonly ms: number;
  readonly rgb: Uint8Array;
}

/** Opens a .ncomp file through the page's file input and returns what it decoded. */
export async function decodeInPage(page: Page, ncompPath: string): Promise<PageDecoded> {
  await page.setInputFiles('#ncomp-input', ncompPath);
  const { state, status } = await settled(page);
  if (state !== 'done') throw new Error(`the page did not decode ${ncompPath}: ${status}`);
  const d = await page.evaluate(() =>
    (globalThis as unknown as { ncompDemo: { lastDecoded(): { width: number; height: number; ms: number; rgbBase64: string } } }).ncompDemo.lastDecoded(),
  );
  return { width: d.width, height: d.height, ms: d.ms, rgb: new Uint8Array(Buffer.from(d.rgbBase64, 'base64')) };
}
