import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/index.js';
import { DEFAULT_MAX_WASM_THREADS, defaultWasmThreads, MAX_WASM_THREADS, WASM_THREADS_ENV } from './wasm-threads.js';

describe('defaultWasmThreads', () => {
  const saved = process.env[WASM_THREADS_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[WASM_THREADS_ENV];
    else process.env[WASM_THREADS_ENV] = saved;
  });

  it('without NCOMP_WASM_THREADS (unset or empty), takes the idle cores: cores minus the load average, 1 to 4', () => {
    delete process.env[WASM_THREADS_ENV];
    expect(defaultWasmThreads({ cores: 2, load: 0.3 })).toBe(2);
    expect(defaultWasmThreads({ cores: 2, load: 1.7 })).toBe(1);
    expect(defaultWasmThreads({ cores: 2, load: 10 })).toBe(1);
    expect(defaultWasmThreads({ cores: 16, load: 3.2 })).toBe(DEFAULT_MAX_WASM_THREADS);
    expect(defaultWasmThreads({ cores: 16, load: 13.5 })).toBe(3);
    expect(defaultWasmThreads({ cores: 1, load: 0 })).toBe(1);
    expect(defaultWasmThreads()).toBe(1);
    process.env[WASM_THREADS_ENV] = '';
    expect(defaultWasmThreads({ cores: 8, load: 0 })).toBe(DEFAULT_MAX_WASM_THREADS);
  });

  it('counts cores claimed by other processes as busy even before the load average shows them', () => {
    delete process.env[WASM_THREADS_ENV];
    // Two runs started together: the load average is still ~0, the first one claimed a core.
    expect(defaultWasmThreads({ cores: 2, load: 0.2, claimed: 0 })).toBe(2);
    expect(defaultWasmThreads({ cores: 2, load: 0.2, claimed: 1 })).toBe(1);
    // Once the load average counts them, claims are not counted twice.
    expect(defaultWasmThreads({ cores: 8, load: 3.5, claimed: 3 })).toBe(4);
    expect(defaultWasmThreads({ cores: 8, load: 1, claimed: 5 })).toBe(3);
  });

  it('takes NCOMP_WASM_THREADS, at most the pool of 8', () => {
    process.env[WASM_THREADS_ENV] = '3';
    expect(defaultWasmThreads({ cores: 2, load: 10 })).toBe(3);
    process.env[WASM_THREADS_ENV] = '64';
    expect(defaultWasmThreads()).toBe(MAX_WASM_THREADS);
  });

  it.each(['0', '-2', '1.5', 'two'])('refuses NCOMP_WASM_THREADS=%s, saying what it found', (value) => {
    process.env[WASM_THREADS_ENV] = value;
    expect(() => defaultWasmThreads()).toThrow(InvalidArgumentError);
    expect(() => defaultWasmThreads()).toThrow(`NCOMP_WASM_THREADS must be a positive integer, found "${value}"`);
  });
});
