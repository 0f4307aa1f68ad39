#!/usr/bin/env node
// The `ncomp` command. It loads the built CLI (dist/bin.js) and is itself a committed
// file, not a build output, because npm links a workspace's commands when it installs
// (`npm install` on a fresh clone), before `npm run build` has written dist/: a link to a
// file that does not exist yet is not made, and `npx ncomp` then fails.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(`ncomp: ${fileURLToPath(built)} is missing: build first (\`npm run build\` at the repository root)\n`);
  process.exit(1);
}
await import(built.href);
