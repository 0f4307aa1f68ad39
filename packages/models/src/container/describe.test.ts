import { InvalidArgumentError } from '@ncomp/core/errors';
import { describe, expect, it } from 'vitest';
import { describeContainer, encodeContainer, type Container } from './index.js';

const digest = Uint8Array.from({ length: 16 }, (_, i) => i * 17);

function container(overrides: Partial<Container['header']> = {}, streams: Uint8Array[] = [new Uint8Array(1000), new Uint8Array(24)]): Container {
  return {
    header: {
      modelName: 'bmshj2018',
      weightsDigest: digest,
      width: 100,
      height: 50,
      paddedWidth: 128,
      paddedHeight: 64,
      channels: 'rgba',
      bitDepth: 16,
      quality: 2.5,
      extras: { latentWidth: 8, latentHeight: 4 },
      ...overrides,
    },
    streams,
  };
}

describe('describeContainer', () => {
  it('summarises every field, sizes and bpp', () => {
    const c = container();
    const total = encodeContainer(c).length;
    const text = describeContainer(c);
    expect(text).toBe(
      [
        'ncomp file, format 2',
        '  model:     bmshj2018',
        "  weights:   00112233445566778899aabbccddeeff (first 16 bytes of the weights file's SHA-256)",
        '  image:     100 x 50 pixels, rgba, 16-bit',
        '  coded as:  128 x 64 pixels (padded by 28 columns and 14 rows)',
        '  quality:   2.5',
        '  extras:    2',
        '    latentHeight = 4',
        '    latentWidth = 8',
        '  streams:   2 streams, 1024 bytes',
        '    #0: 1000 bytes',
        '    #1: 24 bytes',
        `  total:     ${total} bytes (header ${total - 1024 - 4}, streams 1024, checksum 4)`,
        `  bpp:       ${((total * 8) / 5000).toFixed(4)} bits per pixel over 100 x 50 (streams alone: ${((1024 * 8) / 5000).toFixed(4)})`,
      ].join('\n'),
    );
  });

  it('says "none" and "no padding", quotes odd names, and elides long stream lists', () => {
    const text = describeContainer(
      container(
        { modelName: ' spaced\n', extras: {}, paddedWidth: 100, paddedHeight: 50 },
        Array.from({ length: 40 }, () => Uint8Array.of(1)),
      ),
    );
    expect(text).toContain('  model:     " spaced\\n"');
    expect(text).toContain('  extras:    none');
    expect(text).toContain('(no padding)');
    expect(text).toContain('  streams:   40 streams, 40 bytes');
    expect(text).toContain('    #31: 1 byte\n    ... and 8 more streams (8 bytes)');
    expect(describeContainer(container({}, []))).toContain('  streams:   none');
  });

  it('refuses an invalid container', () => {
    expect(() => describeContainer(container({ width: 0 }))).toThrow(InvalidArgumentError);
  });
});
