import { InvalidArgumentError } from '@ncomp/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { niceTicks } from './nice-ticks.js';
import { escapeXml, rdPlotSvg, type RdSeries } from './rd-plot.js';

const series: RdSeries[] = [
  {
    name: 'mbt2018-mean',
    points: [
      { bpp: 0.5, value: 33.1 },
      { bpp: 0.12, value: 28.4 },
      { bpp: 0.25, value: 30.9 },
    ],
  },
  {
    name: 'JPEG <4:2:0> & "q"',
    points: [
      { bpp: 0.3, value: 27.2 },
      { bpp: 0.6, value: 30.1 },
      { bpp: 1.1, value: 33.4 },
    ],
  },
  { name: 'WebP', points: [{ bpp: 0.2, value: 28.0 }] },
];

/** Checks that tags balance (a small XML well-formedness check) and returns tag names. */
function checkTags(svg: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, , selfClose] = m as unknown as [string, string, string, string, string];
    names.push(name);
    if (close) expect(stack.pop()).toBe(name);
    else if (!selfClose) stack.push(name);
  }
  expect(stack).toEqual([]);
  return names;
}

describe('rdPlotSvg', () => {
  it('draws a well-formed standalone SVG with every series', () => {
    const svg = rdPlotSvg(series, { title: 'Kodak: PSNR vs rate', yLabel: 'PSNR (dB)' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const tags = checkTags(svg);
    expect(tags.filter((t) => t === 'polyline')).toHaveLength(2); // a single point has no line
    expect(svg).toContain('mbt2018-mean');
    expect(svg).toContain('JPEG &lt;4:2:0&gt; &amp; &quot;q&quot;');
    expect(svg).toContain('WebP');
    expect(svg).toContain('bits per pixel (bpp)');
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    // Every number in attributes is finite.
    for (const m of svg.matchAll(/="([-\d., ]+)"/g))
      for (const n of (m[1] as string).split(/[ ,]+/).filter(Boolean)) expect(Number.isFinite(Number(n))).toBe(true);
    // Text outside tags has no raw special characters.
    for (const m of svg.matchAll(/>([^<]*)</g)) expect(m[1]).not.toMatch(/[<>"]|&(?!amp;|lt;|gt;|quot;|apos;)/);
  });

  it('uses distinct colours and nice tick labels', () => {
    const svg = rdPlotSvg(series, { title: 't', yLabel: 'y', xLabel: 'rate' });
    const colours = new Set([...svg.matchAll(/<polyline[^>]*stroke="(#[0-9A-Fa-f]{6})"/g)].map((m) => m[1]));
    expect(colours.size).toBe(2);
    expect(svg).toContain('>0.2<');
    expect(svg).toContain('>30<');
    expect(svg).toContain('>rate<');
  });

  it('handles empty input and a single point', () => {
    checkTags(rdPlotSvg([], { title: 'empty', yLabel: 'y' }));
    const one = rdPlotSvg([{ name: 'x', points: [{ bpp: 1, value: 1 }] }], { title: 'one', yLabel: 'y' });
    checkTags(one);
    expect(one).not.toMatch(/NaN|Infinity/);
  });

  it('refuses non-finite points', () => {
    expect(() => rdPlotSvg([{ name: 'bad', points: [{ bpp: Number.NaN, value: 1 }] }], { title: 't', yLabel: 'y' })).toThrow(InvalidArgumentError);
  });
});

describe('niceTicks', () => {
  it('chooses round steps covering the range', () => {
    expect(niceTicks(0.12, 1.1, 6)).toMatchObject({ min: 0, max: 1.2, step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1, 1.2] });
    expect(niceTicks(27.2, 33.4, 6)).toMatchObject({ min: 27, max: 34, step: 1 });
    const t = niceTicks(5, 5);
    expect(t.min).toBeLessThan(5);
    expect(t.max).toBeGreaterThan(5);
  });

  it('covers any range with evenly spaced round ticks (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.double({ min: 1e-3, max: 1e4, noNaN: true }), (lo, width) => {
        const t = niceTicks(lo, lo + width, 6);
        // Within floating-point slack of a billionth of a step.
        expect(t.min).toBeLessThanOrEqual(lo + 1e-8 * t.step);
        expect(t.max).toBeGreaterThanOrEqual(lo + width - 1e-8 * t.step);
        expect(t.values.length).toBeGreaterThanOrEqual(4);
        expect(t.values.length).toBeLessThanOrEqual(10);
        const mantissa = t.step / 10 ** Math.floor(Math.log10(t.step) + 1e-9);
        expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('escapeXml', () => {
  it('escapes markup and drops forbidden control characters', () => {
    expect(escapeXml(`a<b>&"c'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });
});
