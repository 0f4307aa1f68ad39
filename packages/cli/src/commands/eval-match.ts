/** Finding the classical result nearest a bit rate on a codec's quality sweep. */
import { classicalAtQualities, type ClassicalCodec, type ClassicalResult } from '../baselines/index.js';
import type { DecodedImage } from '../image/index.js';

/**
 * The classical result whose bpp is nearest `target`: the integer quality interpolated on
 * the sweep's log-bpp curve, and its neighbours, encoded (sweep results are reused).
 * @param sweepResults - The codec's sweep on this image (at least one result).
 */
export async function matchOnSweep(
  image: DecodedImage,
  codec: ClassicalCodec,
  sweepResults: readonly ClassicalResult[],
  target: number,
): Promise<ClassicalResult> {
  const pts = [...sweepResults].sort((a, b) => a.quality - b.quality);
  let q = pts[0]!.quality;
  if (target >= pts[pts.length - 1]!.bpp) q = pts[pts.length - 1]!.quality;
  else {
    for (let i = 0; i + 1 < pts.length; i++) {
      const a = pts[i]!;
      const b = pts[i + 1]!;
      if (target >= a.bpp && target <= b.bpp) {
        const t = b.bpp > a.bpp ? (Math.log(target) - Math.log(a.bpp)) / (Math.log(b.bpp) - Math.log(a.bpp)) : 0;
        q = Math.round(a.quality + t * (b.quality - a.quality));
        break;
      }
    }
  }
  const candidates = [q - 1, q, q + 1].filter((v) => v >= 1 && v <= 100);
  const found = new Map(pts.map((r) => [r.quality, r]));
  const missing = candidates.filter((v) => !found.has(v));
  for (const r of await classicalAtQualities(image, codec, missing)) found.set(r.quality, r);
  return candidates.map((v) => found.get(v)!).reduce((best, r) => (Math.abs(r.bpp - target) < Math.abs(best.bpp - target) ? r : best));
}
