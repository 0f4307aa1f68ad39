/**
 * Rate-distortion plots as standalone SVG.
 */
import { InvalidArgumentError } from '@ncomp/core';
import { niceTicks } from './nice-ticks.js';

/** One point of a plotted curve. */
export interface RdPlotPoint {
  /** Rate in bits per pixel (x axis). */
  readonly bpp: number;
  /** The quality value (y axis), e.g. PSNR in dB. */
  readonly value: number;
}

/** One curve of an RD plot: a codec or model. */
export interface RdSeries {
  /** Legend text. */
  readonly name: string;
  /** The points; they are drawn in order of increasing bpp. */
  readonly points: readonly RdPlotPoint[];
}

/** Labels of an RD plot. */
export interface RdPlotOptions {
  /** Title above the chart. */
  readonly title: string;
  /** Label of the y axis, e.g. `PSNR (dB)`. */
  readonly yLabel: string;
  /** Label of the x axis. Default `bits per pixel (bpp)`. */
  readonly xLabel?: string;
}

/** Colour-blind-friendly palette (Okabe & Ito), darkest first; cycles with dashes after. */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];
const WIDTH = 760;
const HEIGHT = 480;
const MARGIN = { top: 48, right: 24, bottom: 56, left: 68 } as const;
const LEGEND_ROW = 20;
const FONT = 'Helvetica, Arial, sans-serif';

/**
 * Draws rate-distortion curves as a standalone SVG document (760 × 480, scalable through
 * its viewBox): title, axes with round tick values, a light grid, one coloured line with
 * markers per series (colour, marker shape and, beyond eight series, dash pattern vary),
 * and a legend to the right of the plot. Text is XML-escaped.
 *
 * @param series - The curves; a series without points still appears in the legend.
 * @param options - Title and axis labels.
 * @returns The SVG document as a string.
 * @throws InvalidArgumentError when a point has a non-finite bpp or value.
 */
export function rdPlotSvg(series: readonly RdSeries[], options: RdPlotOptions): string {
  for (const s of series) {
    for (const p of s.points) {
      if (!Number.isFinite(p.bpp) || !Number.isFinite(p.value)) {
        throw new InvalidArgumentError(`series "${s.name}": points must be finite, found bpp ${p.bpp}, value ${p.value}`);
      }
    }
  }
  const all = series.flatMap((s) => s.points);
  const xs = niceTicks(all.length ? Math.min(...all.map((p) => p.bpp)) : 0, all.length ? Math.max(...all.map((p) => p.bpp)) : 1, 6);
  const ys = niceTicks(all.length ? Math.min(...all.map((p) => p.value)) : 0, all.length ? Math.max(...all.map((p) => p.value)) : 1, 6);

  const longest = Math.max(0, ...series.map((s) => [...s.name].length));
  const legendWidth = series.length === 0 ? 0 : Math.min(260, 44 + longest * 7);
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right - legendWidth;
  const top = MARGIN.top;
  const bottom = HEIGHT - MARGIN.bottom;
  const xSpan = xs.max - xs.min || 1;
  const ySpan = ys.max - ys.min || 1;
  const px = (x: number): number => left + ((x - xs.min) / xSpan) * (right - left);
  const py = (y: number): number => bottom - ((y - ys.min) / ySpan) * (bottom - top);

  const out: string[] = [];
  const title = escapeXml(options.title);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${title}" font-family="${FONT}" font-size="12">`,
    `<title>${title}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${f((left + right) / 2)}" y="28" text-anchor="middle" font-size="16" font-weight="bold" fill="#222222">${title}</text>`,
  );

  // Grid and ticks.
  out.push('<g stroke="#e3e3e3" stroke-width="1">');
  for (const v of xs.values) out.push(`<line x1="${f(px(v))}" y1="${f(top)}" x2="${f(px(v))}" y2="${f(bottom)}"/>`);
  for (const v of ys.values) out.push(`<line x1="${f(left)}" y1="${f(py(v))}" x2="${f(right)}" y2="${f(py(v))}"/>`);
  out.push('</g>');
  out.push(`<rect x="${f(left)}" y="${f(top)}" width="${f(right - left)}" height="${f(bottom - top)}" fill="none" stroke="#444444" stroke-width="1"/>`);
  out.push('<g fill="#333333">');
  for (const v of xs.values) {
    out.push(`<line x1="${f(px(v))}" y1="${f(bottom)}" x2="${f(px(v))}" y2="${f(bottom + 5)}" stroke="#444444"/>`);
    out.push(`<text x="${f(px(v))}" y="${f(bottom + 19)}" text-anchor="middle">${tickLabel(v, xs.decimals)}</text>`);
  }
  for (const v of ys.values) {
    out.push(`<line x1="${f(left - 5)}" y1="${f(py(v))}" x2="${f(left)}" y2="${f(py(v))}" stroke="#444444"/>`);
    out.push(`<text x="${f(left - 8)}" y="${f(py(v) + 4)}" text-anchor="end">${tickLabel(v, ys.decimals)}</text>`);
  }
  out.push('</g>');
  out.push(
    `<text x="${f((left + right) / 2)}" y="${f(HEIGHT - 16)}" text-anchor="middle" font-size="13" fill="#222222">${escapeXml(options.xLabel ?? 'bits per pixel (bpp)')}</text>`,
    `<text x="18" y="${f((top + bottom) / 2)}" text-anchor="middle" font-size="13" fill="#222222" transform="rotate(-90 18 ${f((top + bottom) / 2)})">${escapeXml(options.yLabel)}</text>`,
  );

  // Curves.
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length] as string;
    const dash = DASHES[Math.floor(i / COLOURS.length) % DASHES.length] as string;
    const points = [...s.points].sort((a, b) => a.bpp - b.bpp);
    out.push(`<g>`, `<title>${escapeXml(s.name)}</title>`);
    if (points.length > 1) {
      const d = points.map((p) => `${f(px(p.bpp))},${f(py(p.value))}`).join(' ');
      out.push(`<polyline points="${d}" fill="none" stroke="${colour}" stroke-width="2" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    }
    for (const p of points) out.push(marker(i, px(p.bpp), py(p.value), colour));
    out.push('</g>');
  });

  // Legend.
  if (series.length > 0) {
    const lx = right + 16;
    const ly = top + 4;
    out.push(`<g font-size="12" fill="#222222">`);
    series.forEach((s, i) => {
      const colour = COLOURS[i % COLOURS.length] as string;
      const dash = DASHES[Math.floor(i / COLOURS.length) % DASHES.length] as string;
      const y = ly + i * LEGEND_ROW + 8;
      out.push(
        `<line x1="${f(lx)}" y1="${f(y)}" x2="${f(lx + 24)}" y2="${f(y)}" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      );
      out.push(marker(i, lx + 12, y, colour));
      out.push(`<text x="${f(lx + 32)}" y="${f(y + 4)}">${escapeXml(s.name)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** A marker for series `i` at (x, y): circle, square, triangle, diamond, … in turn. */
function marker(i: number, x: number, y: number, colour: string): string {
  const r = 3.5;
  switch (i % 4) {
    case 0:
      return `<circle cx="${f(x)}" cy="${f(y)}" r="${r}" fill="${colour}"/>`;
    case 1:
      return `<rect x="${f(x - r)}" y="${f(y - r)}" width="${2 * r}" height="${2 * r}" fill="${colour}"/>`;
    case 2:
      return `<path d="M${f(x)},${f(y - r - 0.8)} L${f(x + r + 0.5)},${f(y + r)} L${f(x - r - 0.5)},${f(y + r)} Z" fill="${colour}"/>`;
    default:
      return `<path d="M${f(x)},${f(y - r - 1)} L${f(x + r + 1)},${f(y)} L${f(x)},${f(y + r + 1)} L${f(x - r - 1)},${f(y)} Z" fill="${colour}"/>`;
  }
}

/** A coordinate with two decimals. */
function f(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function tickLabel(v: number, decimals: number): string {
  const s = v.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/**
 * Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
 *
 * @param text - Any string.
 * @returns The escaped string.
 */
export function escapeXml(text: string): string {
  return (
    text
      // XML 1.0 forbids these characters; dropping them is the point of the pattern.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}
