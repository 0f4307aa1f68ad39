/**
 * A closed stdout ends `ncomp` quietly: exit 141, no stack trace (the processes are the built
 * CLI, as a shell runs it).
 */
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { installBrokenPipeHandlers } from './broken-pipe.js';
import { BUILT_CLI, ncompProcess } from './commands/test-helpers.js';
import { EXIT } from './exit-codes.js';

const pipeError = (code: string): Error => Object.assign(new Error(`write ${code}`), { code });

describe('installBrokenPipeHandlers', () => {
  function install(): { stdout: EventEmitter; stderr: EventEmitter & { text: string; write(t: string): void }; codes: number[] } {
    const stdout = new EventEmitter();
    const stderr = Object.assign(new EventEmitter(), {
      text: '',
      write(t: string) {
        this.text += t;
      },
    });
    const codes: number[] = [];
    installBrokenPipeHandlers({ stdout, stderr }, (code) => codes.push(code));
    return { stdout, stderr, codes };
  }

  it('exits 141 without a word when stdout is closed (EPIPE)', () => {
    const { stdout, stderr, codes } = install();
    stdout.emit('error', pipeError('EPIPE'));
    expect(codes).toEqual([EXIT.brokenPipe]);
    expect(stderr.text).toBe('');
  });

  it('reports another stdout error in one line and exits 1', () => {
    const { stdout, stderr, codes } = install();
    stdout.emit('error', pipeError('EIO'));
    expect(codes).toEqual([EXIT.failure]);
    expect(stderr.text).toBe('ncomp: cannot write to stdout: write EIO\n');
  });

  it('ignores a closed stderr', () => {
    const { stderr, codes } = install();
    expect(() => stderr.emit('error', pipeError('EPIPE'))).not.toThrow();
    expect(codes).toEqual([]);
  });
});

describe('ncomp with its stdout closed early', () => {
  it('--help exits 141 and prints no stack trace', async () => {
    const r = await ncompProcess(['--help'], { closeStdout: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.brokenPipe);
  });

  it('ncomp --help | head -1 prints the first line only, and nothing on stderr', async () => {
    const sh = `"${process.execPath}" "${BUILT_CLI}" --help | head -1`;
    const { stdout, stderr } = await promisify(execFile)('sh', ['-c', sh]);
    expect(stdout).toBe('ncomp — learned image compression on TensorFlow.js\n');
    expect(stderr).toBe('');
  });
});
