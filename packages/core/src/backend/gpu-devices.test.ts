import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gpuDeviceNodes } from './gpu-devices.js';

const root = await mkdtemp(join(tmpdir(), 'ncomp-dev-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** A fake device folder with these entries (names ending in / are folders). */
async function devFolder(name: string, entries: readonly string[]): Promise<string> {
  const dev = join(root, name);
  await mkdir(dev);
  for (const e of entries) {
    if (e.endsWith('/')) await mkdir(join(dev, e), { recursive: true });
    else {
      await mkdir(join(dev, e, '..'), { recursive: true });
      await writeFile(join(dev, e), '');
    }
  }
  return dev;
}

describe.runIf(process.platform === 'linux')('gpuDeviceNodes', () => {
  it('finds DRM render nodes, NVIDIA device nodes and WSL 2 dxg, nothing else', async () => {
    const dev = await devFolder('gpu', ['dri/card0', 'dri/renderD128', 'dri/renderD129', 'nvidia0', 'nvidiactl', 'nvidia-uvm', 'dxg', 'null', 'tty0']);
    expect(await gpuDeviceNodes(dev)).toEqual([`${dev}/dri/renderD128`, `${dev}/dri/renderD129`, `${dev}/dxg`, `${dev}/nvidia0`]);
  });

  it('finds none on a machine without a GPU (a DRM card without a render node included), and knows nothing of a folder it cannot read', async () => {
    expect(await gpuDeviceNodes(await devFolder('none', ['null', 'zero', 'nvidiactl', 'dri/card0']))).toEqual([]);
    expect(await gpuDeviceNodes(join(root, 'missing'))).toBeUndefined();
  });
});
