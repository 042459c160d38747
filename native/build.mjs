#!/usr/bin/env node
// Builds the native addon with node-gyp (`npm ci` runs this as the package's install script).
// It never downloads Node's headers: it passes --nodedir when the running Node's own prefix has
// them (Debian/NodeSource packages and the official tarballs do), and uses node-gyp from
// node_modules, else npm's own copy. Extra arguments go to node-gyp (e.g. --debug).
// Environment: LIBTORCH / TORCH_ROOT / PYTHON choose libtorch (native/find-libtorch.mjs);
// CLINSUM_BUILD_JOBS (default 2) sets the parallel compile jobs.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

function nodeGypScript() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const fromNpm = process.env.npm_config_node_gyp;
    if (fromNpm && existsSync(fromNpm)) return fromNpm;
    process.stderr.write('clinsum build: node-gyp not found; run `npm ci` (it is a devDependency) or `npm install -g node-gyp`\n');
    process.exit(1);
  }
}

const args = [nodeGypScript(), 'rebuild', `-j`, process.env.CLINSUM_BUILD_JOBS ?? '2'];
const prefix = resolve(dirname(process.execPath), '..');
if (existsSync(join(prefix, 'include', 'node', 'node_api.h')) && existsSync(join(prefix, 'include', 'node', 'common.gypi'))) {
  args.push(`--nodedir=${prefix}`);
}
args.push(...process.argv.slice(2));
const started = Date.now();
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  process.stderr.write('clinsum build: the native addon failed to build; see the compiler output above (docs/engine.md, "Building")\n');
  process.exit(r.status ?? 1);
}
process.stdout.write(`clinsum build: native addon built in ${((Date.now() - started) / 1000).toFixed(0)}s\n`);
