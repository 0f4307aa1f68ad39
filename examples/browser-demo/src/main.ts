/**
 * The demo page: pick or drop an image, choose a quality, compress it with ncomp's default
 * model, and see bpp, PSNR and the decoded image beside the original and a JPEG of the same
 * size; or open a .ncomp file (made here or by `ncomp compress`) and decode it.
 * `?backend=webgl` (or webgpu, wasm, cpu) picks the backend; the default is `auto`.
 */
import { describeBackend, type BackendChoice } from '@ncomp/core';
import type { LoadedModel } from '@ncomp/models';
import { chooseBackend, compressImage, decodeFile, loadDefaultModel, type Decoded } from './codec.js';
import { jpegOfSize } from './jpeg.js';
import { psnr8, rgb8ToImageData, rgbaToRgb01, rgbaToRgb8, type Rgb8 } from './pixels.js';
import { installTestHooks } from './test-hooks.js';
import { byId, Status } from './ui.js';

const CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];
const status = new Status();
let model: LoadedModel | undefined;
let original: { rgba: Uint8ClampedArray; width: number; height: number } | undefined;
let lastDecoded: Decoded | undefined;

function drawRgb(canvasId: string, image: Rgb8): void {
  const canvas = byId<HTMLCanvasElement>(canvasId);
  [canvas.width, canvas.height] = [image.width, image.height];
  canvas.getContext('2d')!.putImageData(rgb8ToImageData(image), 0, 0);
}

async function showImage(file: Blob): Promise<void> {
  const bitmap = await createImageBitmap(file);
  const canvas = byId<HTMLCanvasElement>('original');
  [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  original = { rgba: ctx.getImageData(0, 0, bitmap.width, bitmap.height).data, width: bitmap.width, height: bitmap.height };
  byId('original-caption').textContent = `Original, ${bitmap.width}x${bitmap.height}`;
  byId<HTMLButtonElement>('compress').disabled = model === undefined;
  status.done(`Loaded ${bitmap.width}x${bitmap.height}; choose a quality and compress.`);
}

async function compress(): Promise<void> {
  if (model === undefined || original === undefined) return;
  const { rgba, width, height } = original;
  const quality = Number(byId<HTMLInputElement>('quality').value);
  const { rgb, hadAlpha } = rgbaToRgb01(rgba, width, height);
  const compressed = await status.work(`Compressing ${width}x${height} at quality ${quality}…`, () =>
    compressImage(model!, rgb, width, height, quality, hadAlpha),
  );
  const decoded = await status.work('Decoding…', () => decodeFile(model!, compressed.bytes));
  lastDecoded = decoded;
  drawRgb('decoded', decoded.image);
  const reference = rgbaToRgb8(rgba, width, height);
  const psnr = psnr8(reference, decoded.image.data);
  byId('decoded-caption').textContent =
    `ncomp: ${compressed.bytes.length} bytes, ${compressed.bpp.toFixed(3)} bpp, PSNR ${psnr.toFixed(2)} dB ` +
    `(encode ${compressed.ms.toFixed(0)} ms, decode ${decoded.ms.toFixed(0)} ms)`;
  const link = byId<HTMLAnchorElement>('download');
  URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([compressed.bytes.slice()], { type: 'application/octet-stream' }));
  link.hidden = false;
  const jpeg = await status.work('Finding a JPEG of the same size…', (progress) =>
    jpegOfSize(byId<HTMLCanvasElement>('original'), compressed.bytes.length, 8, (step, of) => progress(step, of)),
  );
  const bitmap = await createImageBitmap(jpeg.blob);
  const canvas = byId<HTMLCanvasElement>('jpeg');
  [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  const jpegPsnr = psnr8(reference, rgbaToRgb8(ctx.getImageData(0, 0, width, height).data, width, height));
  byId('jpeg-caption').textContent =
    `JPEG (quality ${jpeg.quality.toFixed(3)}): ${jpeg.blob.size} bytes, ${((jpeg.blob.size * 8) / (width * height)).toFixed(3)} bpp, PSNR ${jpegPsnr.toFixed(2)} dB`;
  status.done(`Compressed to ${compressed.bpp.toFixed(3)} bpp at ${psnr.toFixed(2)} dB; JPEG at the same size: ${jpegPsnr.toFixed(2)} dB.`);
}

async function openNcomp(file: File): Promise<void> {
  if (model === undefined) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  const decoded = await status.work(`Decoding ${file.name}…`, () => decodeFile(model!, bytes));
  lastDecoded = decoded;
  drawRgb('decoded', decoded.image);
  const { width, height, quality } = decoded.header;
  byId('decoded-caption').textContent =
    `${file.name}: ${width}x${height}, quality ${quality}, ${bytes.length} bytes, ${((bytes.length * 8) / (width * height)).toFixed(3)} bpp, decoded in ${decoded.ms.toFixed(0)} ms`;
  status.done(`Decoded ${file.name} in ${decoded.ms.toFixed(0)} ms.`);
}

function wireInputs(): void {
  const quality = byId<HTMLInputElement>('quality');
  const show = (): void => void (byId('quality-value').textContent = quality.value);
  quality.addEventListener('input', show);
  show();
  // Each input is cleared once read, so that choosing the same file again opens it again.
  const onFile = (id: string, open: (file: File) => Promise<void>): void => {
    const input = byId<HTMLInputElement>(id);
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      input.value = '';
      if (file !== undefined) void status.guard(() => open(file));
    });
  };
  onFile('image-input', showImage);
  onFile('ncomp-input', openNcomp);
  byId('compress').addEventListener('click', () => void status.guard(compress));
  const drop = byId('drop');
  drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file === undefined) return;
    void status.guard(() => (file.name.endsWith('.ncomp') ? openNcomp(file) : showImage(file)));
  });
  const select = byId<HTMLSelectElement>('backend-choice');
  select.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('backend', select.value);
    location.assign(url);
  });
}

async function start(): Promise<void> {
  const asked = new URLSearchParams(location.search).get('backend') ?? 'auto';
  const choice = (CHOICES as readonly string[]).includes(asked) ? (asked as BackendChoice) : 'auto';
  byId<HTMLSelectElement>('backend-choice').value = choice;
  const report = await status.work(`Starting the ${choice} backend…`, () => chooseBackend(choice));
  byId('backend').textContent = `${report.chosen}: ${report.reason}`;
  model = await status.work('Downloading the default model…', (progress) => loadDefaultModel((loaded, total) => progress(loaded, total)));
  const [lo, hi] = model.model.qualityRange;
  const quality = byId<HTMLInputElement>('quality');
  Object.assign(quality, { min: String(lo), max: String(hi), value: String(hi) });
  quality.dispatchEvent(new Event('input'));
  byId<HTMLButtonElement>('compress').disabled = original === undefined;
  status.done(`Ready: ${model.name} on ${describeBackend().name}. Pick or drop an image, or open a .ncomp file.`);
}

wireInputs();
installTestHooks({ started: status.guard(start), lastDecoded: () => lastDecoded, backend: () => describeBackend() });
