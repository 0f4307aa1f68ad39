import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from './context.js';
import { runTrainingLoop } from './training-loop.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ncomp-loop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function context(lines: string[]): CommandContext {
  return {
    argv: [],
    positionals: [],
    option: () => undefined,
    options: () => [],
    flag: () => false,
    log: (line) => lines.push(line),
    print: () => undefined,
    progress: { write: () => true, isTTY: false },
    json: false,
    printJson: () => undefined,
    stdoutIsTTY: false,
    writeData: () => undefined,
    readStdin: () => Promise.resolve(new Uint8Array(0)),
    fail: () => ({ message: '', exitCode: 1 }),
  };
}

describe('runTrainingLoop', () => {
  it('a real SIGINT during a synchronous step stops the loop after that step, not at the next progress line', async () => {
    const lines: string[] = [];
    let step = 0;
    let checkpoints = 0;
    const { interrupted } = await runTrainingLoop({
      ctx: context(lines),
      startStep: 0,
      steps: 1000,
      logEvery: 1000, // no progress line (and so no file write) before the end
      checkpointEvery: 1000,
      logPath: join(dir, 'log.jsonl'),
      trainStep: () => {
        step++;
        // Delivered by the event loop, as a Ctrl-C is: the step itself never yields.
        if (step === 3) process.kill(process.pid, 'SIGINT');
        return { step };
      },
      averaged: () => ({}),
      describe: () => '',
      checkpoint: async () => {
        checkpoints++;
      },
    });
    expect(interrupted).toBe(true);
    expect(step).toBe(3);
    expect(checkpoints).toBe(1);
    expect(lines.some((l) => l.startsWith('interrupt: finishing this step'))).toBe(true);
  });
});
