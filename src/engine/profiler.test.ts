// The profiler writes a real Chrome trace of what ran; summarizeTrace reads it (and
// torch.profiler's) into kernel totals and the GPU's busy share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDirs } from '../util/testing.js';
import { chromeTrace } from './profiler.js';
import { TorchError, kernelCategory, liveTensorCount, profile, profilerRunning, randn, summarizeTrace, testDevice, tidy } from './index.js';

const device = testDevice();

const tempDir = tempDirs('clinsum-profile-');

function withDir(fn: (dir: string) => void): void {
  fn(tempDir());
}

test('profile records the operators a function runs and writes a Chrome trace', () => {
  withDir((dir) => {
    const path = join(dir, 'trace.json');
    const before = liveTensorCount();
    const s = profile(
      () =>
        tidy(() => {
          const a = randn([64, 64], { device });
          return a.matmul(a).relu().sum().item();
        }),
      { path, cuda: device !== 'cpu' },
    );
    assert.ok(Number.isFinite(s));
    assert.equal(liveTensorCount(), before);
    assert.equal(profilerRunning(), false);
    const trace = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: unknown[] };
    assert.ok(Array.isArray(trace.traceEvents) && trace.traceEvents.length > 0);
    const summary = summarizeTrace(path);
    const names = summary.cpuOps.map((o) => o.name);
    for (const op of ['aten::matmul', 'aten::relu', 'aten::sum']) assert.ok(names.includes(op), `${op} in ${names.join(', ')}`);
    assert.ok(summary.wallUs > 0);
    if (device !== 'cpu') {
      assert.ok(summary.gpu.events > 0, 'CUDA kernels recorded');
      assert.ok(summary.gpu.byCategory.matmul > 0, 'the matmul kernel is classed as one');
      assert.ok(summary.gpu.busyUs > 0 && summary.gpu.busyShare > 0 && summary.gpu.busyShare <= 1);
    }
  });
});

test('profile stops the profiler when the function throws, writes nothing, and does not nest', () => {
  withDir((dir) => {
    const path = join(dir, 'failed.json');
    assert.throws(
      () =>
        profile(() => {
          throw new RangeError('boom');
        }, { path, cuda: false }),
      RangeError,
    );
    assert.equal(profilerRunning(), false);
    assert.equal(existsSync(path), false);
    assert.throws(
      () => profile(() => profile(() => 1, { path, cuda: false }), { path: join(dir, 'outer.json'), cuda: false }),
      (e: unknown) => e instanceof TorchError && /already running/.test(e.message),
    );
    assert.equal(profilerRunning(), false);
    assert.throws(() => profile(() => Promise.resolve(1), { path, cuda: false }), /synchronous/);
    assert.equal(profilerRunning(), false);
  });
});

test('summarizeTrace totals kernels by name and category and measures the busy share on overlapping streams', () => {
  withDir((dir) => {
    const path = join(dir, 'synthetic.json');
    // GPU: [0,10) gemm, [5,15) elementwise on a second stream (overlap), gap, [30,40) gemm; a copy [40,50).
    const ev = (cat: string, name: string, ts: number, dur: number): object => ({ ph: 'X', cat, name, ts, dur, pid: 0, tid: 7 });
    writeFileSync(
      path,
      JSON.stringify({
        traceEvents: [
          ev('cpu_op', 'aten::mm', -5, 3),
          ev('cpu_op', 'aten::mm', -1, 2),
          ev('cpu_op', 'aten::add', 0, 1),
          ev('kernel', 'sm90_xmma_gemm_bf16bf16_bf16f32', 0, 10),
          ev('kernel', 'void at::native::vectorized_elementwise_kernel<4, silu>', 5, 10),
          ev('kernel', 'sm90_xmma_gemm_bf16bf16_bf16f32', 30, 10),
          ev('gpu_memcpy', 'Memcpy HtoD (Pageable -> Device)', 40, 10),
          { ph: 'i', name: 'marker', ts: 100 },
          { ph: 'X', cat: 'kernel', name: 'broken', ts: 'x', dur: 1 },
          { ph: 'X', cat: 'kernel', name: 'no time', ts: null, dur: 1 },
          { ph: 'X', cat: 'kernel', name: 'a string time', ts: '3', dur: 1 },
        ],
      }),
    );
    const s = summarizeTrace(path);
    assert.equal(s.wallUs, 55); // −5 … 50
    assert.equal(s.gpu.events, 4);
    assert.equal(s.gpu.totalUs, 40);
    assert.equal(s.gpu.busyUs, 35); // [0,15) + [30,50)
    assert.equal(s.gpu.busyShare, 35 / 50);
    assert.deepEqual(s.gpu.kernels[0], { name: 'sm90_xmma_gemm_bf16bf16_bf16f32', category: 'matmul', count: 2, totalUs: 20 });
    assert.equal(s.gpu.byCategory.matmul, 20);
    assert.equal(s.gpu.byCategory.elementwise, 10);
    assert.equal(s.gpu.byCategory.copy, 10);
    assert.deepEqual(s.cpuOps[0], { name: 'aten::mm', count: 2, totalUs: 5 });
    assert.equal(summarizeTrace(path, { top: 1 }).gpu.kernels.length, 1);
  });
});

test('chromeTrace names events as torch.profiler does, so one summary reads both', () => {
  withDir((dir) => {
    const path = join(dir, 'native.json');
    const ev = (name: string, device: 'cpu' | 'cuda', activity: number, startNs: number, durNs: number) => ({ name, device, activity, thread: device === 'cuda' ? 7 : 1, startNs, durNs });
    writeFileSync(
      path,
      chromeTrace([
        ev('aten::mm', 'cpu', 0, 1_000_000, 5_000),
        ev('cudaLaunchKernel', 'cpu', 7, 1_001_000, 1_000),
        ev('nvjet_tst_128x256_h_bz_TNT', 'cuda', 5, 1_002_000, 8_000),
        ev('Memcpy HtoD (Pageable -> Device)', 'cuda', 3, 1_010_000, 2_000),
        ev('Memset (Device)', 'cuda', 4, 1_012_000, 1_000),
        ev('forward', 'cuda', 2, 1_002_000, 10_000), // a GPU annotation spanning the kernels: not a kernel
      ]),
    );
    const trace = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: { cat: string; ts: number; dur: number; pid: number; tid: number }[] };
    assert.deepEqual(
      trace.traceEvents.map((e) => e.cat),
      ['cpu_op', 'cuda_runtime', 'kernel', 'gpu_memcpy', 'gpu_memset', 'gpu_user_annotation'],
    );
    assert.deepEqual(trace.traceEvents.slice(0, 3).map((e) => [e.ts, e.dur, e.pid, e.tid]), [[0, 5, 0, 1], [1, 1, 0, 1], [2, 8, 1, 7]]);
    const s = summarizeTrace(path);
    assert.equal(s.gpu.events, 3);
    assert.equal(s.gpu.totalUs, 11);
    assert.equal(s.gpu.busyUs, 11);
    assert.equal(s.gpu.byCategory.matmul, 8);
    assert.equal(s.gpu.byCategory.copy, 3);
    assert.deepEqual(s.cpuOps.map((o) => o.name), ['aten::mm']);
  });
});

test('kernelCategory names the kernels of a training step', () => {
  assert.equal(kernelCategory('nvjet_tst_128x256_64x4_1x2_h_bz_coopA_TNT'), 'matmul');
  assert.equal(kernelCategory('void pytorch_flash::flash_fwd_kernel<Flash_fwd_kernel_traits<64>>'), 'attention');
  assert.equal(kernelCategory('void at::native::(anonymous namespace)::fused_adamw_kernel'), 'optimizer');
  assert.equal(kernelCategory('void at::native::multi_tensor_apply_kernel<TensorListMetadata<1>>'), 'optimizer');
  assert.equal(kernelCategory('void at::native::reduce_kernel<512, 1, ReduceOp<float, MeanOps>>'), 'reduction');
  assert.equal(kernelCategory('void at::native::(anonymous namespace)::cunn_SoftMaxForward<4, float>'), 'loss');
  assert.equal(kernelCategory('void at::native::vectorized_elementwise_kernel<4, CUDAFunctor_add<float>>'), 'elementwise');
  assert.equal(kernelCategory('void something_else'), 'other');
});

test('summarizeTrace names the file it cannot read', () => {
  withDir((dir) => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"traceEvents": ');
    assert.throws(() => summarizeTrace(bad), (e: unknown) => e instanceof TorchError && e.message.includes(bad) && /JSON/.test(e.message));
    writeFileSync(bad, 'null');
    assert.throws(() => summarizeTrace(bad), (e: unknown) => e instanceof TorchError && /no traceEvents/.test(e.message));
    writeFileSync(bad, '{"events": []}');
    assert.throws(() => summarizeTrace(bad), /no traceEvents/);
    assert.throws(() => summarizeTrace(join(dir, 'missing.json')), /missing\.json/);
  });
});
