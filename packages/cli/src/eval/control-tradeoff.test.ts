import { describe, expect, it } from 'vitest';
import { controlTradeoffs, describeTradeoff } from './control-tradeoff.js';

describe('controlTradeoffs', () => {
  it('takes the means at the smallest and largest control value, per quality', () => {
    const rows = [
      { quality: 0, control: 0, bpp: 0.4, psnr: 28, lpips: 0.3 },
      { quality: 0, control: 0, bpp: 0.6, psnr: 30, lpips: 0.1 },
      { quality: 0, control: 1.28, bpp: 0.4, psnr: 27, lpips: 0.2 },
      { quality: 0, control: 2.56, bpp: 0.4, psnr: 27, lpips: 0.15 },
      { quality: 0, control: 2.56, bpp: 0.6, psnr: 28, lpips: 0.05 },
      { quality: 1, control: 0, bpp: 1, psnr: 33 },
    ];
    const [t, ...rest] = controlTradeoffs(rows);
    // Quality 1 has a single control value: no trade-off.
    expect(rest).toEqual([]);
    expect(t).toMatchObject({ quality: 0, from: 0, to: 2.56, psnr: [29, 27.5] });
    expect(t!.bpp).toBeCloseTo(0.48, 12);
    expect(t!.lpips[0]).toBeCloseTo(0.2, 12);
    expect(t!.lpips[1]).toBeCloseTo(0.1, 12);
    expect(describeTradeoff(t!, 'beta')).toBe(
      'quality 0, beta 0 -> 2.56 (one bitstream, 0.480 bpp): PSNR 29.00 -> 27.50 dB (-1.50 dB), LPIPS 0.2000 -> 0.1000 (-50.0 %)',
    );
  });

  it('leaves LPIPS out of the line when it was not measured', () => {
    const [t] = controlTradeoffs([
      { quality: 0, control: 0, bpp: 0.5, psnr: 30 },
      { quality: 0, control: 1, bpp: 0.5, psnr: 30.5 },
    ]);
    expect(describeTradeoff(t!, 'alpha')).toBe('quality 0, alpha 0 -> 1 (one bitstream, 0.500 bpp): PSNR 30.00 -> 30.50 dB (+0.50 dB)');
  });
});
