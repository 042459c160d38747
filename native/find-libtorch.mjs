#!/usr/bin/env node
// Finds the libtorch that the clinsum addon compiles and links against, for binding.gyp.
//
// Order (the first that is complete wins):
//   1. env: LIBTORCH or TORCH_ROOT — a libtorch folder with include/ and lib/.
//   2. python: an importable Python `torch` (PYTHON env, then `python3`, then `/usr/bin/python3`);
//      its include/ and lib/, and its _GLIBCXX_USE_CXX11_ABI.
//   3. system: Debian's libtorch-dev (headers under /usr/include, libraries in the linker's path).
// A candidate counts only when its headers include the C++ API (torch/csrc/api/include) and its
// lib/ holds libtorch. When that libtorch has CUDA, torch_cuda and c10_cuda are linked inside
// --no-as-needed so that the CUDA kernels register at load time.
//
// CLINSUM_TORCH_SEARCH=python,system (a comma list of python and system) limits and orders the
// search after the env variables, e.g. `system` to build against libtorch-dev even when a
// Python torch is importable.
//
// Usage: node native/find-libtorch.mjs --include-dirs | --libraries | --defines | --json
// The first call writes build/libtorch.json and later calls of the same build reuse it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheFile = join(root, 'build', 'libtorch.json');
const envKey = JSON.stringify([
  process.env.LIBTORCH,
  process.env.TORCH_ROOT,
  process.env.PYTHON,
  process.env.CLINSUM_TORCH_SEARCH,
  process.env.CLINSUM_NO_CUDA_STATS,
  process.env.CLINSUM_NO_FUSED_OPTIM,
  process.env.CLINSUM_NO_FUSED_RMS_NORM,
]);

function fail(msg) {
  process.stderr.write(`find-libtorch: ${msg}\n`);
  process.exit(1);
}

/**
 * Reads TORCH_VERSION_MAJOR/MINOR/PATCH from the headers. Up to PyTorch 2.9 they are defined in
 * torch/version.h under the API include dir; since 2.10 (pytorch/pytorch#164381, "Move version.h
 * to torch/headeronly") that file only includes torch/headeronly/version.h, which defines them.
 */
function readVersion(include, apiInclude) {
  for (const file of [join(apiInclude, 'torch', 'version.h'), join(include, 'torch', 'headeronly', 'version.h')]) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const num = (k) => Number((text.match(new RegExp(`#define\\s+TORCH_VERSION_${k}\\s+(\\d+)`)) ?? [])[1]);
    const major = num('MAJOR');
    const minor = num('MINOR');
    const patch = num('PATCH');
    if (Number.isInteger(major) && Number.isInteger(minor)) return `${major}.${minor}.${Number.isInteger(patch) ? patch : 0}`;
  }
  return undefined;
}

/** "2.11.0+cu128" -> "2.11.0" (Python's torch.__version__, when the headers say nothing). */
function versionFromPython(v) {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v ?? '');
  return m ? `${m[1]}.${m[2]}.${m[3] ?? 0}` : undefined;
}

/** A libtorch folder laid out like the official zip or a pip wheel's torch/ package. */
function fromFolder(dir, method, extra = {}) {
  const include = join(dir, 'include');
  const apiInclude = join(include, 'torch', 'csrc', 'api', 'include');
  const lib = join(dir, 'lib');
  if (!existsSync(join(apiInclude, 'torch', 'version.h'))) return { missing: `${apiInclude}/torch/version.h` };
  if (!existsSync(join(lib, 'libtorch.so')) && !existsSync(join(lib, 'libtorch_cpu.so'))) return { missing: `${lib}/libtorch.so` };
  const cuda = existsSync(join(lib, 'libtorch_cuda.so')) && existsSync(join(lib, 'libc10_cuda.so'));
  return {
    method,
    root: dir,
    version: readVersion(include, apiInclude),
    includeDirs: [include, apiInclude],
    libDir: lib,
    cxx11Abi: extra.cxx11Abi ?? guessAbi(lib),
    cuda,
    ...extra,
  };
}

/** Official libtorch zips name the ABI in the file list; pip wheels since 2.7 use the new ABI. */
function guessAbi(lib) {
  const nm = spawnSync('nm', ['-DC', '--defined-only', join(lib, 'libc10.so')], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (nm.status === 0) {
    if (nm.stdout.includes('std::__cxx11::basic_string')) return 1;
    if (nm.stdout.includes('std::basic_string')) return 0;
  }
  return 1;
}

const PY_PROBE = [
  'import json, os, sys',
  'import torch',
  'print(json.dumps({"root": os.path.dirname(torch.__file__), "version": torch.__version__,',
  ' "cudaVersion": torch.version.cuda, "abi": int(torch._C._GLIBCXX_USE_CXX11_ABI), "python": sys.executable}))',
].join('\n');

function fromPython(tried) {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p) => p);
  const seen = new Set();
  for (const py of candidates) {
    if (seen.has(py)) continue;
    seen.add(py);
    const r = spawnSync(py, ['-c', PY_PROBE], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0 || !r.stdout) {
      tried.push(`python (${py}): torch not importable`);
      continue;
    }
    let info;
    try {
      info = JSON.parse(r.stdout.trim().split('\n').pop());
    } catch {
      tried.push(`python (${py}): unreadable probe output`);
      continue;
    }
    const found = fromFolder(info.root, 'python', { cxx11Abi: info.abi, python: info.python, pythonTorchVersion: info.version, cudaVersion: info.cudaVersion ?? null });
    if (found.missing) {
      tried.push(`python (${py}): torch ${info.version} at ${info.root} lacks ${found.missing}`);
      continue;
    }
    if (!info.cudaVersion) found.cuda = false;
    if (!found.version) found.version = versionFromPython(info.version);
    return found;
  }
  return undefined;
}

function fromSystem(tried) {
  const apiInclude = '/usr/include/torch/csrc/api/include';
  if (!existsSync(join(apiInclude, 'torch', 'version.h'))) {
    tried.push('system: /usr/include/torch/csrc/api/include/torch/version.h missing (apt-get install libtorch-dev)');
    return undefined;
  }
  const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
  const libDir = libDirs.find((d) => existsSync(join(d, 'libtorch.so')));
  if (!libDir) {
    tried.push('system: libtorch.so not found in the system library folders');
    return undefined;
  }
  return {
    method: 'system',
    root: '/usr',
    version: readVersion('/usr/include', apiInclude),
    includeDirs: ['/usr/include', apiInclude],
    libDir,
    cxx11Abi: 1,
    cuda: existsSync(join(libDir, 'libtorch_cuda.so')) && existsSync(join(libDir, 'libc10_cuda.so')),
  };
}

function discover() {
  const tried = [];
  const envDir = process.env.LIBTORCH || process.env.TORCH_ROOT;
  if (envDir) {
    const found = fromFolder(resolve(envDir), 'env');
    if (found.missing) fail(`LIBTORCH/TORCH_ROOT=${envDir} is not a libtorch folder: ${found.missing} is missing`);
    return found;
  }
  const order = (process.env.CLINSUM_TORCH_SEARCH ?? 'python,system').split(',').map((s) => s.trim());
  for (const m of order) if (m !== 'python' && m !== 'system') fail(`CLINSUM_TORCH_SEARCH: unknown method "${m}" (python, system)`);
  let found;
  for (const m of order) {
    found = m === 'python' ? fromPython(tried) : fromSystem(tried);
    if (found) break;
  }
  if (!found) {
    fail(
      `no libtorch found. Tried:\n  ${tried.join('\n  ')}\n` +
        'Install Debian\'s libtorch-dev (apt-get install libtorch-dev), or set LIBTORCH to an unpacked libtorch, ' +
        'or make a Python with torch importable (PYTHON=/path/to/python3).',
    );
  }
  return found;
}

function load() {
  if (existsSync(cacheFile)) {
    try {
      const cached = JSON.parse(readFileSync(cacheFile, 'utf8'));
      if (cached.envKey === envKey) return cached;
    } catch {
      // fall through and discover again
    }
  }
  const found = { ...discover(), envKey };
  if (!found.version) fail(`cannot read the libtorch version from ${found.includeDirs[1]}/torch/version.h`);
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, `${JSON.stringify(found, null, 2)}\n`);
  return found;
}

const t = load();
const arg = process.argv[2];
switch (arg) {
  case '--include-dirs':
    process.stdout.write(t.includeDirs.join(' '));
    break;
  case '--libraries': {
    const libs = [`-L${t.libDir}`, `-Wl,-rpath,${t.libDir}`];
    if (t.cuda) libs.push('-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed');
    libs.push('-ltorch', '-ltorch_cpu', '-lc10');
    process.stdout.write(libs.join(' '));
    break;
  }
  case '--defines': {
    const defs = [`_GLIBCXX_USE_CXX11_ABI=${t.cxx11Abi}`, `CLINSUM_TORCH_METHOD=${t.method}`];
    if (t.cuda) defs.push('CLINSUM_WITH_CUDA=1');
    if (process.env.CLINSUM_NO_CUDA_STATS) defs.push('CLINSUM_NO_CUDA_STATS=1');
    if (process.env.CLINSUM_NO_FUSED_OPTIM) defs.push('CLINSUM_NO_FUSED_OPTIM=1');
    if (process.env.CLINSUM_NO_FUSED_RMS_NORM) defs.push('CLINSUM_NO_FUSED_RMS_NORM=1');
    process.stdout.write(defs.join(' '));
    break;
  }
  case '--json':
    process.stdout.write(`${JSON.stringify(t, null, 2)}\n`);
    break;
  default:
    fail(`unknown option ${arg ?? '(none)'}; use --include-dirs, --libraries, --defines or --json`);
}
