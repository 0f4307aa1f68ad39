import { InvalidArgumentError } from '@ncomp/core';
import { describe, expect, it } from 'vitest';
import { ansiAllowed } from './ansi.js';
import { ProgressBar, type ProgressStream } from './progress-bar.js';

/** A fake stream that records writes, and a clock the test moves. */
function fake(isTTY: boolean, columns?: number, ansi = true): { stream: ProgressStream; writes: string[]; clock: { t: number }; now: () => number } {
  const writes: string[] = [];
  const clock = { t: 0 };
  const stream: ProgressStream = { write: (s: string) => writes.push(s), isTTY, columns, ansi };
  return { stream, writes, clock, now: () => clock.t };
}

describe('ProgressBar on a terminal', () => {
  it('redraws one line with \\r, showing bar, count, percent, rate, ETA and info', () => {
    const f = fake(true);
    const bar = new ProgressBar({ total: 40, label: 'compress', stream: f.stream, now: f.now });
    f.clock.t = 4000;
    bar.tick(10, 'kodim01.png');
    expect(f.writes).toHaveLength(1);
    const line = f.writes[0] as string;
    expect(line.startsWith('\rcompress [')).toBe(true);
    expect(line).toContain('██████░');
    expect(line).toContain('10/40');
    expect(line).toContain(' 25%');
    expect(line).toContain('2.50/s');
    expect(line).toContain('ETA 0:12');
    expect(line).toContain('kodim01.png');
    expect(line).not.toContain('\n');
  });

  it('throttles redraws to about 10 per second but always draws completion', () => {
    const f = fake(true);
    const bar = new ProgressBar({ total: 1000, label: 'eval', stream: f.stream, now: f.now });
    for (let i = 0; i < 999; i++) {
      f.clock.t += 1; // 1 ms per item: ~1 s in all
      bar.tick();
    }
    expect(f.writes.length).toBeGreaterThanOrEqual(9);
    expect(f.writes.length).toBeLessThanOrEqual(11);
    bar.tick();
    expect(f.writes.at(-1)).toContain('1000/1000 100%');
    const drawn = f.writes.length;
    bar.tick(); // past the total: throttled like any other tick
    expect(f.writes.length).toBe(drawn);
    bar.done();
    expect(f.writes.at(-1)).toBe('\n');
    bar.tick();
    bar.done();
    expect(f.writes.at(-1)).toBe('\n');
  });

  it('cuts the line to the terminal width', () => {
    const f = fake(true, 30);
    const bar = new ProgressBar({ total: 3, label: 'a-long-label', stream: f.stream, now: f.now });
    bar.tick(1, 'some long file name.png');
    expect((f.writes[0] as string).replace('\r', '').replace('\u001b[K', '').length).toBe(29);
  });
});

describe('ProgressBar on a terminal without escape codes (NO_COLOR)', () => {
  it('redraws with \\r and covers a longer previous line with spaces, never ESC', () => {
    const f = fake(true, undefined, false);
    const bar = new ProgressBar({ total: 2, label: 'x', stream: f.stream, now: f.now });
    f.clock.t = 1000;
    bar.tick(1, 'a-rather-long-file-name.png');
    f.clock.t = 2000;
    bar.tick(1, 'b.png');
    bar.done();
    expect(f.writes.join('')).not.toContain('\u001b');
    const [first, second] = f.writes as [string, string];
    expect(second.startsWith('\r')).toBe(true);
    expect(second.endsWith(' ')).toBe(true);
    expect(second.length).toBe(first.length); // the first line is covered exactly
    expect(second.trimEnd()).toMatch(/2\/2 100% .* b\.png$/);
  });

  it('ansiAllowed: not with NO_COLOR set (non-empty) or TERM=dumb', () => {
    expect(ansiAllowed({})).toBe(true);
    expect(ansiAllowed({ NO_COLOR: '' })).toBe(true);
    expect(ansiAllowed({ NO_COLOR: '1' })).toBe(false);
    expect(ansiAllowed({ TERM: 'dumb' })).toBe(false);
    expect(ansiAllowed({ TERM: 'xterm-256color' })).toBe(true);
  });
});

describe('ProgressBar in a log', () => {
  it('writes a plain line per 10 % and none in between', () => {
    const f = fake(false);
    const bar = new ProgressBar({ total: 95, label: 'compress', stream: f.stream, now: f.now });
    for (let i = 0; i < 95; i++) {
      f.clock.t += 100;
      bar.tick(1, `img${i}`);
    }
    bar.done();
    expect(f.writes).toHaveLength(10);
    for (const w of f.writes) expect(w.endsWith('\n') && !w.includes('\r')).toBe(true);
    expect(f.writes[0]).toMatch(/^compress: 10\/95 {2}10% 10\.0\/s ETA 0:09 img9\n$/);
    expect(f.writes.at(-1)).toMatch(/^compress: 95\/95 100% 10\.0\/s in 0:10 img94\n$/);
  });

  it('writes a final line at done() when the work stopped early', () => {
    const f = fake(false);
    const bar = new ProgressBar({ total: 100, label: 'x', stream: f.stream, now: f.now });
    bar.tick(15);
    bar.tick(3);
    bar.done();
    expect(f.writes).toHaveLength(2);
    expect(f.writes[1]).toContain('18/100');
    bar.done();
    expect(f.writes).toHaveLength(2);
  });

  it('handles an empty job and refuses bad numbers', () => {
    const f = fake(false);
    const bar = new ProgressBar({ total: 0, label: 'none', stream: f.stream, now: f.now });
    bar.done();
    expect(f.writes).toEqual(['none: 0/0 100%\n']);
    expect(() => new ProgressBar({ total: -1, label: 'x', stream: f.stream })).toThrow(InvalidArgumentError);
    expect(() => bar.tick(-1)).toThrow(InvalidArgumentError);
  });
});
