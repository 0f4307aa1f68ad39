/**
 * The GPU device nodes of a Linux machine, which tell, without starting a GPU API, whether
 * the machine can have a hardware WebGPU adapter: `/dev/dri/renderD*` (Mesa and every
 * DRM driver: AMD, Intel, NVIDIA's open modules, virtio), `/dev/nvidia<N>` (NVIDIA's
 * proprietary driver, also inside containers given a GPU) and `/dev/dxg` (WSL 2). Loaded
 * only in Node.js (it uses `node:` modules).
 */

/**
 * Lists the GPU device nodes under `dev` (Linux only).
 * @param dev - The device folder; default `/dev` (tests pass another).
 * @returns The nodes found (possibly none), or undefined on another platform or when `dev` cannot be read (then nothing is known).
 */
export async function gpuDeviceNodes(dev = '/dev'): Promise<readonly string[] | undefined> {
  if (process.platform !== 'linux') return undefined;
  const { readdir } = await import('node:fs/promises');
  let names: string[];
  try {
    names = await readdir(dev);
  } catch {
    return undefined;
  }
  const found = names.filter((n) => /^nvidia\d+$/.test(n) || n === 'dxg').map((n) => `${dev}/${n}`);
  if (names.includes('dri')) {
    try {
      found.push(...(await readdir(`${dev}/dri`)).filter((n) => n.startsWith('renderD')).map((n) => `${dev}/dri/${n}`));
    } catch {
      return undefined;
    }
  }
  return found.sort();
}
