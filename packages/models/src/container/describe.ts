/** The human-readable summary `ncomp info` prints for a container. */
import { CHECKSUM_BYTES, CONTAINER_VERSION, planContainer, type Container } from './format.js';
import { hexBytes } from './sniff.js';

/** Stream sizes listed one per line up to this many; the rest are summed on one line. */
const MAX_LISTED_STREAMS = 32;

function quoteIfNeeded(s: string): string {
  const json = JSON.stringify(s);
  return json === `"${s}"` && s.trim() === s && s.length > 0 ? s : json;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A multi-line, human-readable summary of a container, as `ncomp info` prints it: model
 * name, weights digest (hex), image size, padding, channels, bit depth, quality, extras,
 * each stream's size, the total file size in bytes, and bits per pixel (whole file and
 * streams alone, over the original `width * height` pixels). Lines are separated by
 * `\n`, with no trailing newline.
 *
 * @param c - A container, typically from {@link decodeContainer}.
 * @returns The summary text.
 * @throws InvalidArgumentError when `c` is not a valid container (as {@link encodeContainer} would).
 */
export function describeContainer(c: Container): string {
  const plan = planContainer(c);
  const h = c.header;
  const pixels = h.width * h.height;
  const bpp = (bytes: number): string => ((bytes * 8) / pixels).toFixed(4);
  const padX = h.paddedWidth - h.width;
  const padY = h.paddedHeight - h.height;
  const lines = [
    `ncomp file, format ${CONTAINER_VERSION}`,
    `  model:     ${quoteIfNeeded(h.modelName)}`,
    `  weights:   ${hexBytes(h.weightsDigest).replaceAll(' ', '')} (first 16 bytes of the weights file's SHA-256)`,
    `  image:     ${h.width} x ${h.height} pixels, ${h.channels}, ${h.bitDepth}-bit`,
    `  coded as:  ${h.paddedWidth} x ${h.paddedHeight} pixels (${padX === 0 && padY === 0 ? 'no padding' : `padded by ${plural(padX, 'column')} and ${plural(padY, 'row')}`})`,
    `  quality:   ${h.quality}`,
    `  extras:    ${plan.extras.length === 0 ? 'none' : plan.extras.length}`,
    ...plan.extras.map(([key, value]) => `    ${key} = ${value}`),
    `  streams:   ${c.streams.length === 0 ? 'none' : `${plural(c.streams.length, 'stream')}, ${plural(plan.payloadBytes, 'byte')}`}`,
    ...c.streams.slice(0, MAX_LISTED_STREAMS).map((s, i) => `    #${i}: ${plural(s.length, 'byte')}`),
  ];
  if (c.streams.length > MAX_LISTED_STREAMS) {
    const rest = c.streams.slice(MAX_LISTED_STREAMS);
    const restBytes = rest.reduce((sum, s) => sum + s.length, 0);
    lines.push(`    ... and ${plural(rest.length, 'more stream')} (${plural(restBytes, 'byte')})`);
  }
  lines.push(
    `  total:     ${plural(plan.totalBytes, 'byte')} (header ${plan.headerBytes}, streams ${plan.payloadBytes}, checksum ${CHECKSUM_BYTES})`,
    `  bpp:       ${bpp(plan.totalBytes)} bits per pixel over ${h.width} x ${h.height} (streams alone: ${bpp(plan.payloadBytes)})`,
  );
  return lines.join('\n');
}
