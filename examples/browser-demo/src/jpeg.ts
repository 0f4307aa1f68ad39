/**
 * The JPEG to compare with: the browser's own encoder (`canvas.toBlob('image/jpeg', q)`),
 * its quality searched by bisection for the largest file that is not larger than a byte
 * budget (the .ncomp file's size).
 */

/** A JPEG found by {@link jpegOfSize}. */
export interface MatchedJpeg {
  readonly blob: Blob;
  readonly quality: number;
}

function toJpeg(canvas: HTMLCanvasElement, quality: number): Promise<Blob> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob === null ? reject(new Error('the browser made no JPEG')) : resolve(blob)), 'image/jpeg', quality);
  });
}

/**
 * Bisects the JPEG quality in [0, 1] (`steps` halvings) for the largest JPEG of at most
 * `budget` bytes; when even quality 0 is larger, returns that smallest one.
 *
 * @param onStep - Called after each encoding with the step number (1-based) and the count.
 */
export async function jpegOfSize(canvas: HTMLCanvasElement, budget: number, steps = 8, onStep?: (step: number, of: number) => void): Promise<MatchedJpeg> {
  let lo = 0;
  let hi = 1;
  let best: MatchedJpeg = { blob: await toJpeg(canvas, 0), quality: 0 };
  for (let step = 1; step <= steps; step++) {
    const q = (lo + hi) / 2;
    const blob = await toJpeg(canvas, q);
    if (blob.size <= budget) {
      best = { blob, quality: q };
      lo = q;
    } else {
      hi = q;
    }
    onStep?.(step, steps);
  }
  return best;
}
