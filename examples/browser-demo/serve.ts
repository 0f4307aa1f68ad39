/**
 * A static file server for the built demo, on 127.0.0.1 only. With `isolated`, every
 * response carries the COOP / COEP headers that make the page cross-origin isolated, so
 * that the wasm backend may use threads (SharedArrayBuffer).
 *
 * Usage: npx tsx examples/browser-demo/serve.ts [dir] [--port N] [--no-isolation]
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.safetensors': 'application/octet-stream',
  '.ncomp': 'application/octet-stream',
};

/** A running server. */
export interface StaticServer {
  /** Its address, ending in `/`. */
  readonly url: string;
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Serves `root` on 127.0.0.1 (port 0: any free one).
 * @param options - `port`; `isolated` (default true) adds the COOP / COEP headers.
 */
export function serveStatic(root: string, options: { readonly port?: number; readonly isolated?: boolean } = {}): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    let size: number;
    try {
      if (!file.startsWith(normalize(root) + sep)) throw new Error('outside the root');
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    const headers: Record<string, string> = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': String(size),
      'cache-control': 'no-store',
    };
    if (options.isolated !== false) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args[portAt + 1]) : 8080;
  const dir = args.find((a, i) => !a.startsWith('--') && i !== portAt + 1) ?? join(dirname(fileURLToPath(import.meta.url)), 'dist');
  const { url } = await serveStatic(dir, { port, isolated: !args.includes('--no-isolation') });
  console.log(`serving ${dir} at ${url} (Ctrl-C to stop)`);
}
