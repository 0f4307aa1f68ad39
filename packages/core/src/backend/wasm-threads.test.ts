import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.js';
import { defaultWasmThreads, MAX_WASM_THREADS, WASM_THREADS_ENV } from './wasm-threads.js';

describe('defaultWasmThreads', () => {
  const saved = process.env[WASM_THREADS_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[WASM_THREADS_ENV];
    else process.env[WASM_THREADS_ENV] = saved;
  });

  it('is one thread when NCOMP_WASM_THREADS is unset or empty (threads are opt-in)', () => {
    delete process.env[WASM_THREADS_ENV];
    expect(defaultWasmThreads()).toBe(1);
    process.env[WASM_THREADS_ENV] = '';
    expect(defaultWasmThreads()).toBe(1);
  });

  it('takes NCOMP_WASM_THREADS, at most the pool of 8', () => {
    process.env[WASM_THREADS_ENV] = '3';
    expect(defaultWasmThreads()).toBe(3);
    process.env[WASM_THREADS_ENV] = '64';
    expect(defaultWasmThreads()).toBe(MAX_WASM_THREADS);
  });

  it.each(['0', '-2', '1.5', 'two'])('refuses NCOMP_WASM_THREADS=%s, saying what it found', (value) => {
    process.env[WASM_THREADS_ENV] = value;
    expect(() => defaultWasmThreads()).toThrow(InvalidArgumentError);
    expect(() => defaultWasmThreads()).toThrow(`NCOMP_WASM_THREADS must be a positive integer, found "${value}"`);
  });
});
