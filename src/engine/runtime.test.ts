// Threads, seeds and determinism (also across processes), random states, and engine facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  RandomGenerator,
  TorchError,
  cudaAvailable,
  cudaDeviceCount,
  cudaDevices,
  cudaMemoryStats,
  cudaResetPeakMemory,
  engineInfo,
  getNumThreads,
  getRngState,
  manualSeed,
  rand,
  randint,
  randn,
  setNumThreads,
  setRngState,
  synchronize,
  testDevice,
  tidy,
  zeros,
} from './index.js';

const device = testDevice();

test('setNumThreads/getNumThreads round-trip and reject nonsense', () => {
  const before = getNumThreads();
  setNumThreads(1);
  assert.equal(getNumThreads(), 1);
  setNumThreads(before);
  assert.throws(() => setNumThreads(0), /between 1 and 4096/);
  assert.throws(() => setNumThreads(1.5), /integer/);
});

test('manualSeed repeats random draws; generators repeat on every device', () => {
  tidy(() => {
    manualSeed(42);
    const a = randn([5], { device }).toNumbers();
    manualSeed(42);
    assert.deepEqual(randn([5], { device }).toNumbers(), a);
    const g1 = new RandomGenerator(9);
    const g2 = new RandomGenerator(9);
    const x = rand([4], { generator: g1, device });
    const y = rand([4], { generator: g2 });
    assert.deepEqual(x.toNumbers(), y.toNumbers());
    assert.notDeepEqual(rand([4], { generator: g1 }).toNumbers(), x.toNumbers());
    const ints = randint(0, 10, [100], { generator: new RandomGenerator(1), device }).toNumbers();
    assert.ok(ints.every((v) => Number.isInteger(v) && v >= 0 && v < 10));
    const w = zeros([3], { device }).normal_(0, 1, { generator: new RandomGenerator(4) });
    assert.deepEqual(w.toNumbers(), zeros([3]).normal_(0, 1, { generator: new RandomGenerator(4) }).toNumbers());
    assert.deepEqual(randn([3], { seed: 5, device }).toNumbers(), randn([3], { seed: 5 }).toNumbers());
    assert.throws(() => randn([3], { seed: 5, generator: g1 }), /either seed or generator/);
    assert.throws(() => manualSeed(-1), /non-negative/);
    assert.throws(() => new RandomGenerator(1.5), /non-negative safe integer/);
  });
});

test('random states can be saved and restored (global and generator)', () => {
  tidy(() => {
    const s = getRngState('cpu');
    const a = randn([3]).toNumbers();
    setRngState('cpu', s);
    assert.deepEqual(randn([3]).toNumbers(), a);
    const g = new RandomGenerator(3);
    const gs = g.getState();
    const b = rand([3], { generator: g }).toNumbers();
    g.setState(gs);
    assert.deepEqual(rand([3], { generator: g }).toNumbers(), b);
    assert.equal(s.dtype, 'uint8');
  });
});

test('CPU results repeat exactly from run to run (two processes, same bytes)', () => {
  const script = `
    import { manualSeed, randn, linear, crossEntropy, tensor, AdamW, tidy } from ${JSON.stringify(new URL('./index.js', import.meta.url).href)};
    import { createHash } from 'node:crypto';
    manualSeed(11);
    const w = randn([64, 32]).requiresGrad_();
    const opt = new AdamW([w], { lr: 0.01 });
    for (let i = 0; i < 5; i++) {
      tidy(() => crossEntropy(linear(randn([16, 32]), w), tensor(Array.from({ length: 16 }, (_, k) => k % 64), { dtype: 'int64' })).backward());
      opt.step();
      opt.zeroGrad();
    }
    process.stdout.write(createHash('sha256').update(w.toBytes()).digest('hex'));
  `;
  const run = () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const first = run();
  assert.match(first, /^[0-9a-f]{64}$/);
  assert.equal(run(), first);
});

test('engineInfo reports libtorch, CUDA, threads, BLAS and the addon', () => {
  const info = engineInfo();
  assert.match(info.libtorch, /^\d+\.\d+\.\d+/);
  assert.ok(['env', 'python', 'system'].includes(info.libtorchMethod));
  assert.equal(typeof info.cuda, 'boolean');
  assert.equal(info.cuda, cudaAvailable());
  assert.equal(info.threads, getNumThreads());
  assert.ok(info.libtorchPath !== undefined && info.libtorchPath.startsWith('/'));
  assert.ok(info.addon.path.endsWith('clinsum_native.node'));
  assert.ok(info.addon.cplusplus >= 202002);
  assert.match(info.config, /PyTorch built with/);
  assert.ok(Array.isArray(info.blas));
  assert.equal(cudaDevices().length >= cudaDeviceCount(), true);
});

test('a CUDA device index that is not present raises a TorchError (never reaches the allocator)', () => {
  for (const call of [() => cudaMemoryStats(99), () => cudaResetPeakMemory(99), () => cudaResetPeakMemory(-1), () => synchronize(99), () => synchronize(2 ** 40)]) {
    assert.throws(call, (e: unknown) => e instanceof TorchError && /no CUDA device|CUDA is not available/.test(e.message));
  }
});

test('CUDA memory statistics track allocations on a GPU and raise `unavailable` without one (or in a build without them)', () => {
  if (device === 'cpu' || !engineInfo().addon.cudaMemoryStats) {
    assert.throws(() => cudaMemoryStats(device === 'cpu' ? 'cuda' : device), (e: unknown) => e instanceof TorchError && (e.kind === 'unavailable' || /CUDA/.test(e.message)));
    return;
  }
  const before = cudaMemoryStats(device).allocated;
  const t = zeros([1024, 1024], { device });
  const after = cudaMemoryStats(device);
  assert.ok(after.allocated >= before + 4 * 1024 * 1024);
  assert.ok(after.peakAllocated >= after.allocated && after.reserved >= after.allocated);
  t.dispose();
  assert.ok(cudaMemoryStats(device).allocated < after.allocated);
});
