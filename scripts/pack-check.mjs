#!/usr/bin/env node
/**
 * pack-check: checks that the publishable workspaces pack and install as a user gets them.
 *
 * Usage (after `npm run build`):   npm run pack-check [-- --keep]
 *
 * 1. Each of packages/{core,entropy,layers,losses,models,cli} must have a built dist/
 *    (else it stops and says to run `npm run build`); a source file newer than the last
 *    build is reported as a warning.
 * 2. `npm pack --json` packs each into a temporary folder. The file list must hold
 *    package.json, CHANGELOG.md, README.md (when the package has one), dist/index.js and
 *    dist/index.d.ts, every file its `exports` / `bin` point to, and `weights/` for
 *    @ncomp/models (its *.safetensors and README.md) and vendor/ for @ncomp/core; it must
 *    not hold sources, tests (*.test.*), *.tsbuildinfo or training logs (*.jsonl).
 * 2c. Metadata: each package.json has a description, keywords, license, engines.node,
 *    sideEffects, files, publishConfig.access "public", a homepage and bugs URL, and a
 *    repository with a git URL (the same for every package) and its own `directory`.
 * 3. Dependencies, from the packed dist/*.js and *.d.ts: every bare import specifier
 *    (static, `import()` with a literal, and `'@tensorflow/...'` string literals, which
 *    name packages imported with a computed specifier) must be a dependency or a peer
 *    dependency (Node built-ins aside); a package that imports @tensorflow/tfjs-core must
 *    list it as a peer; @ncomp/* dependencies must name the workspace's version.
 * 4. An empty temporary project installs all tarballs plus the TensorFlow.js packages the
 *    packages depend on, at the versions of the root package-lock.json
 *    (`npm install --prefer-offline --no-audit --no-fund ...`); then each public entry
 *    point is imported with Node and a few named exports are checked, the TF-free entries
 *    (@ncomp/entropy/coding, @ncomp/models/container, @ncomp/core/errors) are imported with
 *    every @tensorflow/* import refused, exactly one copy of @tensorflow/tfjs-core must be
 *    installed, and `npx ncomp --help`, `--version` and `info --backend wasm` must work.
 * 5. Lean install: a second empty project installs only the @ncomp/entropy and @ncomp/core
 *    tarballs: no @tensorflow/* package may be installed, node_modules must stay under
 *    10 MB, and `@ncomp/entropy/coding` must round-trip values through the range coder.
 *
 * Prints a short report and exits 1 on any problem (each with a message saying what was
 * expected and what was found), 0 otherwise. `--keep` keeps the temporary folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const PACKAGES = ['core', 'entropy', 'layers', 'losses', 'models', 'cli'];
const KEEP = process.argv.includes('--keep');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** Named exports each entry point must have (a sample of the public API). */
const EXPECTED_EXPORTS = {
  '@ncomp/core': ['Module', 'setBackend', 'describeBackend', 'NcompError', 'writeFileAtomic', 'stateDictToSafetensors'],
  '@ncomp/core/errors': ['NcompError', 'CorruptStreamError', 'InvalidArgumentError', 'ModelMismatchError'],
  '@ncomp/core/safetensors': ['readSafetensors', 'writeSafetensors', 'parseSafetensorsHeader'],
  '@ncomp/entropy': ['ContinuousBatchedEntropyModel', 'LocationScaleIndexedEntropyModel', 'Normal', 'RangeEncoder'],
  '@ncomp/entropy/coding': ['RangeEncoder', 'RangeDecoder', 'RansEncoder', 'RansDecoder', 'pmfToQuantizedCdf'],
  '@ncomp/layers': ['GDN', 'IGDN', 'Conv2d', 'ConvTranspose2d', 'ElicAnalysis'],
  '@ncomp/losses': ['mse', 'psnr', 'msSsim', 'Lpips'],
  '@ncomp/models': ['createModel', 'MODELS', 'ImageCodec', 'saveModelFile', 'loadModelFile', 'RdTrainer', 'DEFAULT_MODEL_FILE'],
  '@ncomp/models/container': ['encodeContainer', 'decodeContainer', 'checkContainerModel', 'describeContainer'],
  '@ncomp/cli': ['main', 'EXIT', 'COMMANDS', 'readImage', 'writePng'],
};
/** Entry points that must load with no TensorFlow.js at all. */
const TF_FREE = ['@ncomp/entropy/coding', '@ncomp/models/container', '@ncomp/core/errors'];

const problems = [];
const warnings = [];
const problem = (msg) => problems.push(msg);
const warn = (msg) => warnings.push(msg);
const t0 = performance.now();
const seconds = (t) => ((performance.now() - t) / 1000).toFixed(1);

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Runs a command; returns { status, stdout, stderr } (never throws on exit status). */
function run(cmd, args, options) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The last lines of a command's output, for messages. */
function tail(text, lines = 15) {
  return text
    .trim()
    .split('\n')
    .slice(-lines)
    .map((l) => `      ${l}`)
    .join('\n');
}

function fail(msg) {
  console.error(`pack-check: ${msg}`);
  process.exit(1);
}

function newestMtime(dir, accept) {
  let newest = 0;
  let newestPath = '';
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (accept(p)) {
        const m = statSync(p).mtimeMs;
        if (m > newest) [newest, newestPath] = [m, p];
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { newest, newestPath };
}

/** Files an `exports` / `bin` field points to (conditions flattened; wildcard entries skipped). */
function exportTargets(pkg) {
  const out = [];
  const visit = (v) => {
    if (typeof v === 'string') {
      if (!v.includes('*')) out.push(v.replace(/^\.\//, ''));
    } else if (v && typeof v === 'object') {
      for (const x of Object.values(v)) visit(x);
    }
  };
  visit(pkg.exports);
  if (typeof pkg.bin === 'string') visit(pkg.bin);
  else visit(pkg.bin ?? {});
  return out;
}

/** Removes comments from JS / TS text (good enough for import scanning: strings are kept). */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Package name of a bare specifier (`@scope/name/sub` -> `@scope/name`), or null for relative / built-in ones. */
function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (builtinModules.includes(name)) return null;
  return name;
}

/** Bare package names a dist file imports (static, literal dynamic imports, @tensorflow string literals). */
function importedPackages(text) {
  const code = stripComments(text);
  const found = new Map(); // name -> how
  const add = (spec, how) => {
    const name = packageOf(spec);
    if (name && !found.has(name)) found.set(name, how);
  };
  for (const m of code.matchAll(/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g)) add(m[1], 'import');
  for (const m of code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) add(m[1], 'import');
  for (const m of code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1], 'import()');
  for (const m of code.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1], 'require()');
  for (const m of code.matchAll(/['"](@tensorflow\/[a-z0-9-]+)['"]/g)) add(m[1], 'dynamic import (string literal)');
  return found;
}

// ---------------------------------------------------------------------------------------
// 1. Built?
const lock = readJson(join(ROOT, 'package-lock.json'));
const pkgs = PACKAGES.map((short) => {
  const dir = join(ROOT, 'packages', short);
  const json = readJson(join(dir, 'package.json'));
  for (const f of ['dist/index.js', 'dist/index.d.ts']) {
    if (!existsSync(join(dir, f))) fail(`packages/${short}/${f} is missing: run \`npm run build\` first, then \`npm run pack-check\``);
  }
  const src = newestMtime(join(dir, 'src'), (p) => p.endsWith('.ts') && !/\.test\.ts$/.test(p));
  const built = existsSync(join(dir, 'tsconfig.tsbuildinfo'))
    ? statSync(join(dir, 'tsconfig.tsbuildinfo')).mtimeMs
    : statSync(join(dir, 'dist/index.js')).mtimeMs;
  if (src.newest > built + 1000)
    warn(`${json.name}: ${relative(ROOT, src.newestPath)} is newer than the last build: dist may be stale (run \`npm run build\`)`);
  return { short, dir, json };
});
const versions = new Map(pkgs.map((p) => [p.json.name, p.json.version]));

// ---------------------------------------------------------------------------------------
// 2. Pack.
const work = mkdtempSync(join(tmpdir(), 'ncomp-pack-check-'));
const tarDir = join(work, 'tarballs');
mkdirSync(tarDir);
process.on('exit', () => {
  if (!KEEP) rmSync(work, { recursive: true, force: true });
});
const tPack = performance.now();
const packed = [];
for (const p of pkgs) {
  const r = run(NPM, ['pack', '--json', '--pack-destination', tarDir], { cwd: p.dir });
  if (r.status !== 0) fail(`npm pack failed in packages/${p.short} (exit ${r.status}):\n${tail(r.stderr)}`);
  let info;
  try {
    info = JSON.parse(r.stdout)[0];
  } catch {
    fail(`npm pack --json in packages/${p.short} printed no JSON:\n${tail(r.stdout)}`);
  }
  packed.push({ ...p, tarball: join(tarDir, info.filename), files: info.files.map((f) => f.path), size: info.size, unpackedSize: info.unpackedSize });
}
const packSeconds = seconds(tPack);

// ---------------------------------------------------------------------------------------
// 2b. File lists.
for (const p of packed) {
  const files = new Set(p.files);
  const need = ['package.json', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts', ...exportTargets(p.json)];
  if (existsSync(join(p.dir, 'README.md'))) need.push('README.md');
  for (const f of new Set(need)) if (!files.has(f)) problem(`${p.json.name}: the tarball lacks ${f}`);
  if (!existsSync(join(p.dir, 'README.md'))) warn(`${p.json.name}: has no README.md (npm shows an empty page)`);
  for (const f of p.files) {
    if (/(^|\/)[^/]*\.test\.[cm]?[jt]s$|(^|\/)[^/]*\.test\.d\.ts$/.test(f)) problem(`${p.json.name}: the tarball holds a test file: ${f}`);
    if (f.endsWith('.tsbuildinfo')) problem(`${p.json.name}: the tarball holds ${f}`);
    if (f.startsWith('src/')) problem(`${p.json.name}: the tarball holds a source file: ${f}`);
  }
  for (const f of p.files) if (f.endsWith('.jsonl')) problem(`${p.json.name}: the tarball holds a training log: ${f} (list what ships in "files")`);
  const weights = join(p.dir, 'weights');
  if (p.short === 'models' && existsSync(weights)) {
    const inFolder = readdirSync(weights, { recursive: true })
      .map((f) => String(f).replaceAll('\\', '/'))
      .filter((f) => statSync(join(weights, f)).isFile() && (f.endsWith('.safetensors') || f === 'README.md'));
    if (!inFolder.some((f) => f.endsWith('.safetensors')))
      warn(`${p.json.name}: weights/ holds no model file, so the default model (weights/default.safetensors) is not shipped yet`);
    for (const f of inFolder) if (!files.has(`weights/${f}`)) problem(`${p.json.name}: the tarball lacks weights/${f}`);
  }
  if (p.short === 'core' && !p.files.some((f) => f.startsWith('vendor/'))) {
    problem(`${p.json.name}: the tarball lacks vendor/ (TF.js's gradient registrations, written by \`npm run build\`)`);
  }
}

// ---------------------------------------------------------------------------------------
// 2c. Metadata.
const repositories = new Set();
for (const p of packed) {
  const j = p.json;
  const need = (ok, what) => {
    if (!ok) problem(`${j.name}: package.json ${what}`);
  };
  need(typeof j.description === 'string' && j.description.length > 0, 'needs a description');
  need(Array.isArray(j.keywords) && j.keywords.length > 0, 'needs keywords (a non-empty array)');
  need(typeof j.license === 'string', 'needs a license');
  need(typeof j.engines?.node === 'string', 'needs engines.node (e.g. ">=20")');
  need(
    j.sideEffects === false || Array.isArray(j.sideEffects),
    `needs sideEffects (false, or the files that have them); found ${JSON.stringify(j.sideEffects)}`,
  );
  need(Array.isArray(j.files) && j.files.length > 0, 'needs files (what the tarball ships)');
  need(j.publishConfig?.access === 'public', 'needs publishConfig.access "public" (a scoped package is private by default)');
  need(/^https:\/\//.test(j.homepage ?? ''), `needs an https homepage; found ${JSON.stringify(j.homepage)}`);
  need(/^https:\/\//.test(j.bugs?.url ?? ''), `needs bugs.url; found ${JSON.stringify(j.bugs)}`);
  const repo = j.repository;
  need(
    repo?.type === 'git' && /^git\+https:\/\/.+\.git$/.test(repo?.url ?? ''),
    `needs repository { type: "git", url: "git+https://….git" }; found ${JSON.stringify(repo)}`,
  );
  need(repo?.directory === `packages/${p.short}`, `needs repository.directory "packages/${p.short}"; found ${JSON.stringify(repo?.directory)}`);
  if (repo?.url) repositories.add(repo.url);
}
if (repositories.size > 1) problem(`the packages name different repositories: ${[...repositories].join(', ')}`);

// ---------------------------------------------------------------------------------------
// 3. Dependencies declared for what dist imports.
for (const p of packed) {
  const deps = p.json.dependencies ?? {};
  const peers = p.json.peerDependencies ?? {};
  const optionalPeers = new Set(
    Object.entries(p.json.peerDependenciesMeta ?? {})
      .filter(([, v]) => v?.optional)
      .map(([k]) => k),
  );
  const used = new Map(); // package -> first file
  for (const f of p.files.filter((f) => /^dist\/.*\.(js|mjs|cjs|d\.ts)$/.test(f))) {
    for (const [name, how] of importedPackages(readFileSync(join(p.dir, f), 'utf8'))) {
      if (name === p.json.name) continue;
      if (!used.has(name)) used.set(name, { file: f, how });
    }
  }
  for (const [name, { file, how }] of used) {
    if (!(name in deps) && !(name in peers)) problem(`${p.json.name}: ${file} imports "${name}" (${how}), which is neither a dependency nor a peer dependency`);
  }
  if (used.has('@tensorflow/tfjs-core') && !('@tensorflow/tfjs-core' in peers)) {
    problem(
      `${p.json.name}: dist imports @tensorflow/tfjs-core (${used.get('@tensorflow/tfjs-core').file}) but it is not a peer dependency (one tfjs-core must be shared by the app and every backend)`,
    );
  }
  if ('@tensorflow/tfjs-core' in deps)
    problem(`${p.json.name}: @tensorflow/tfjs-core is a dependency; it must be a peer dependency so that npm installs one copy`);
  for (const [name, range] of Object.entries({ ...deps, ...peers })) {
    if (versions.has(name) && range !== versions.get(name) && range !== `^${versions.get(name)}`) {
      problem(`${p.json.name}: depends on ${name}@${range}, but the workspace has ${versions.get(name)}`);
    }
  }
  // A TF.js backend as a dependency is there for @ncomp/core's setBackend, which imports it by name.
  const forSetBackend = (name) => name.startsWith('@tensorflow/tfjs-backend-') && '@ncomp/core' in deps;
  for (const name of Object.keys(deps))
    if (!used.has(name) && !forSetBackend(name)) warn(`${p.json.name}: dependency ${name} is not imported by dist (harmless, but it is installed for nothing)`);
  for (const name of Object.keys(peers))
    if (!used.has(name) && !optionalPeers.has(name)) warn(`${p.json.name}: peer dependency ${name} is not imported by dist`);
}

// ---------------------------------------------------------------------------------------
// 4. Install into an empty project and use it.
const tfPackages = new Set();
for (const p of pkgs) {
  const optionalPeers = new Set(
    Object.entries(p.json.peerDependenciesMeta ?? {})
      .filter(([, v]) => v?.optional)
      .map(([k]) => k),
  );
  for (const name of [...Object.keys(p.json.dependencies ?? {}), ...Object.keys(p.json.peerDependencies ?? {})]) {
    if (name.startsWith('@tensorflow/') && !optionalPeers.has(name)) tfPackages.add(name);
  }
}
tfPackages.add('@tensorflow/tfjs-core');
const tfSpecs = [...tfPackages].sort().map((name) => {
  const version = lock.packages?.[`node_modules/${name}`]?.version;
  if (!version) fail(`${name} is not in the root package-lock.json: run npm install at the root`);
  return `${name}@${version}`;
});

const app = join(work, 'app');
const tInstall = performance.now();
let installSeconds = '-';
let installOk = false;
try {
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'ncomp-pack-check-app', version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`);
  const r = run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error', ...packed.map((p) => p.tarball), ...tfSpecs], {
    cwd: app,
  });
  installSeconds = seconds(tInstall);
  if (r.status !== 0) problem(`npm install of the tarballs failed (exit ${r.status}):\n${tail(r.stderr || r.stdout)}`);
  else installOk = true;
} catch (err) {
  problem(`cannot set up the temporary project: ${err.message}`);
}

const checks = [];
if (installOk) {
  const node = (args, what) => {
    const r = run(process.execPath, args, { cwd: app });
    checks.push(`${r.status === 0 ? 'ok  ' : 'FAIL'} ${what}`);
    if (r.status !== 0) problem(`${what} failed (exit ${r.status}):\n${tail(r.stderr || r.stdout)}`);
    return r;
  };
  for (const [entry, names] of Object.entries(EXPECTED_EXPORTS)) {
    const script = `const m = await import(${JSON.stringify(entry)});
const missing = ${JSON.stringify(names)}.filter((n) => m[n] === undefined);
if (missing.length) { console.error('missing exports: ' + missing.join(', ') + '; found: ' + Object.keys(m).join(', ')); process.exit(1); }`;
    node(['--input-type=module', '-e', script], `import('${entry}') has ${names.join(', ')}`);
  }
  // TF-free entries: a resolve hook refuses every @tensorflow/* import.
  writeFileSync(
    join(app, 'no-tf-hooks.mjs'),
    `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@tensorflow/')) throw new Error('imported ' + specifier + ' (from ' + context.parentURL + ')');
  return next(specifier, context);
}\n`,
  );
  writeFileSync(join(app, 'no-tf.mjs'), `import { register } from 'node:module';\nregister('./no-tf-hooks.mjs', import.meta.url);\n`);
  for (const entry of TF_FREE)
    node(['--import', './no-tf.mjs', '--input-type=module', '-e', `await import(${JSON.stringify(entry)});`], `import('${entry}') loads no TensorFlow.js`);
  const tfCores = [];
  const walk = (d, depth) => {
    if (depth > 8 || !existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = join(d, e.name);
      if (p.endsWith(join('@tensorflow', 'tfjs-core')) && existsSync(join(p, 'package.json')))
        tfCores.push(`${relative(app, p)} (${readJson(join(p, 'package.json')).version})`);
      walk(p, depth + 1);
    }
  };
  walk(join(app, 'node_modules'), 0);
  checks.push(`${tfCores.length === 1 ? 'ok  ' : 'FAIL'} one @tensorflow/tfjs-core installed: ${tfCores.join(', ') || 'none'}`);
  if (tfCores.length !== 1) problem(`expected exactly one installed @tensorflow/tfjs-core, found ${tfCores.length}: ${tfCores.join(', ') || 'none'}`);

  const cliVersion = versions.get('@ncomp/cli');
  const npx = (args, what, expect) => {
    const r = run(NPX, ['--no-install', 'ncomp', ...args], { cwd: app });
    const ok = r.status === 0 && expect(r.stdout);
    checks.push(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) problem(`${what}: exit ${r.status}, stdout:\n${tail(r.stdout)}\n    stderr:\n${tail(r.stderr)}`);
  };
  npx(['--help'], 'npx ncomp --help', (out) => out.includes('Usage: ncomp <command>'));
  npx(['--version'], `npx ncomp --version prints ${cliVersion}`, (out) => out.trim() === cliVersion);
  npx(['info', '--backend', 'wasm'], 'npx ncomp info --backend wasm', (out) => out.includes('backend: wasm'));
}

// ---------------------------------------------------------------------------------------
// 5. Lean install: @ncomp/entropy for its coders, with no TensorFlow.js.
const LEAN_LIMIT_MB = 10;
let leanSummary = '';
const lean = join(work, 'lean');
try {
  mkdirSync(lean, { recursive: true });
  writeFileSync(join(lean, 'package.json'), `${JSON.stringify({ name: 'ncomp-pack-check-lean', version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`);
  const tarballs = packed.filter((p) => p.short === 'entropy' || p.short === 'core').map((p) => p.tarball);
  const r = run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error', ...tarballs], { cwd: lean });
  if (r.status !== 0) problem(`npm install of @ncomp/entropy alone failed (exit ${r.status}):\n${tail(r.stderr || r.stdout)}`);
  else {
    const tf = join(lean, 'node_modules', '@tensorflow');
    if (existsSync(tf))
      problem(
        `installing @ncomp/entropy alone installed TensorFlow.js: ${readdirSync(tf)
          .map((n) => `@tensorflow/${n}`)
          .join(', ')}`,
      );
    let bytes = 0;
    const walk = (d) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const f = join(d, e.name);
        if (e.isDirectory()) walk(f);
        else if (e.isFile()) bytes += statSync(f).size;
      }
    };
    walk(join(lean, 'node_modules'));
    const mb = bytes / 1024 / 1024;
    leanSummary = `@ncomp/entropy alone: node_modules ${mb.toFixed(1)} MB`;
    if (mb >= LEAN_LIMIT_MB) problem(`installing @ncomp/entropy alone takes ${mb.toFixed(1)} MB of node_modules, expected under ${LEAN_LIMIT_MB} MB`);
    const script = `import { CdfTables, rangeCoder } from '@ncomp/entropy/coding';
const tables = CdfTables.fromPmfs([[0.1, 0.6, 0.29, 0.01]], [-1], 16);
const values = Int32Array.of(0, 1, -1, 40, 2);
const back = rangeCoder.decode(rangeCoder.encode(values, new Int32Array(5), tables), new Int32Array(5), tables);
if (back.join() !== values.join()) { console.error('decoded ' + back.join() + ', expected ' + values.join()); process.exit(1); }`;
    const c = run(process.execPath, ['--input-type=module', '-e', script], { cwd: lean });
    checks.push(`${c.status === 0 ? 'ok  ' : 'FAIL'} ${leanSummary}; @ncomp/entropy/coding round-trips with no TensorFlow.js`);
    if (c.status !== 0) problem(`@ncomp/entropy/coding, installed alone, failed (exit ${c.status}):\n${tail(c.stderr || c.stdout)}`);
  }
} catch (err) {
  problem(`cannot set up the lean project: ${err.message}`);
}

// ---------------------------------------------------------------------------------------
// Report.
console.log(`pack-check: ${packed.length} packages packed in ${packSeconds} s${installOk ? `, installed in ${installSeconds} s` : ''} (${tfSpecs.join(', ')})`);
for (const p of packed) {
  console.log(
    `  ${p.json.name.padEnd(16)} ${String(p.files.length).padStart(4)} files  ${(p.size / 1024).toFixed(0).padStart(5)} kB packed  ${(p.unpackedSize / 1024).toFixed(0).padStart(6)} kB unpacked`,
  );
}
for (const c of checks) console.log(`  ${c}`);
for (const w of warnings) console.log(`  warning: ${w}`);
if (KEEP) console.log(`  kept ${work}`);
if (problems.length > 0) {
  console.error(`\npack-check: ${problems.length} problem${problems.length === 1 ? '' : 's'}:`);
  for (const p of problems) console.error(`  - ${p}`);
  console.error(`(${seconds(t0)} s)`);
  process.exit(1);
}
console.log(`pack-check: ok (${seconds(t0)} s)`);
