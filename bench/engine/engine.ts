/**
 * Engine benchmark: per-op overhead (a tiny add), 1024³ float32 matmul GFLOP/s, and one
 * training step of a small attention block — each beside the same work in Python PyTorch, run
 * in the same invocation with the same thread count, printing the ratios. On CUDA it also
 * prints 8192³ bfloat16 matmul TFLOP/s.
 *
 *   node dist/bench/engine/engine.js [--device cpu|cuda] [--python /usr/bin/python3] [--json out.json]
 *
 * Targets: overhead ≤ 1.5× PyTorch's, matmul ≥ 0.95× PyTorch's (same BLAS). The two sides
 * alternate for --rounds rounds (default 3) and each figure is the best of its rounds.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AdamW,
  clipGradNorm,
  crossEntropy,
  embedding,
  engineInfo,
  getNumThreads,
  linear,
  manualSeed,
  ones,
  randint,
  randn,
  rmsNorm,
  scaledDotProductAttention,
  synchronize,
  tidy,
  type Device,
  type DType,
} from '../../src/engine/index.js';
import { packageRoot } from '../../src/engine/native.js';

const { values } = parseArgs({
  options: {
    device: { type: 'string', default: 'cpu' },
    python: { type: 'string', default: '/usr/bin/python3' },
    json: { type: 'string' },
    'add-iters': { type: 'string', default: '200000' },
    steps: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
  },
});
const device = values.device as Device;
const addIters = Number(values['add-iters']);
const steps = Number(values.steps);

function best(fn: () => void, rounds: number): number {
  fn();
  synchronize(device);
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn();
    synchronize(device);
    min = Math.min(min, performance.now() - t0);
  }
  return min / 1000;
}

function tinyAddUs(n: number): number {
  const a = ones([1], { device });
  const b = ones([1], { device });
  return (
    (best(() => {
      for (let i = 0; i < n; i++) a.add(b).dispose();
    }, 5) /
      n) *
    1e6
  );
}

function matmulFlops(size: number, dtype: DType, reps: number): number {
  return tidy(() => {
    const a = randn([size, size], { dtype, device });
    const b = randn([size, size], { dtype, device });
    const t = best(() => {
      for (let i = 0; i < reps; i++) a.matmul(b).dispose();
    }, 5);
    return (2 * size ** 3 * reps) / t;
  });
}

/** The same block as reference.py's train_step_ms. */
function trainStepMs(n: number): number {
  manualSeed(0);
  const [V, D, H, T, B] = [512, 128, 4, 64, 8];
  const hs = D / H;
  return tidy(() => {
    const p = {
      emb: randn([V, D], { device }).mul(0.02),
      n1: ones([D], { device }),
      qkv: randn([3 * D, D], { device }).mul(0.02),
      o: randn([D, D], { device }).mul(0.02),
      n2: ones([D], { device }),
      up: randn([4 * D, D], { device }).mul(0.02),
      down: randn([D, 4 * D], { device }).mul(0.02),
      head: randn([V, D], { device }).mul(0.02),
    };
    const params = Object.values(p).map((t) => t.requiresGrad_());
    const opt = new AdamW(params, { lr: 1e-3 });
    const ids = randint(0, V, [B, T + 1], { device });
    const x = ids.narrow(1, 0, T);
    const y = ids.narrow(1, 1, T);
    const step = () =>
      tidy(() => {
        let h = embedding(p.emb, x);
        const qkv = linear(rmsNorm(h, p.n1), p.qkv).view([B, T, 3, H, hs]).permute([2, 0, 3, 1, 4]); // (3, B, H, T, hs)
        const a = scaledDotProductAttention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2), { causal: true });
        h = h.add(linear(a.transpose(1, 2).reshape([B, T, D]), p.o));
        h = h.add(linear(linear(rmsNorm(h, p.n2), p.up).silu(), p.down));
        crossEntropy(linear(h, p.head).view([B * T, V]), y.reshape([B * T])).backward();
        clipGradNorm(params, 1.0);
        opt.step();
        opt.zeroGrad();
      });
    const ms =
      (best(() => {
        for (let i = 0; i < n; i++) step();
      }, 3) /
        n) *
      1e3;
    opt.dispose();
    return ms;
  });
}

interface Reference {
  torch: string;
  threads: number;
  addUs: number;
  matmulGflops: number;
  stepMs: number;
  bf16Tflops?: number;
}

const threads = getNumThreads();

function reference(): Reference {
  const py = spawnSync(
    values.python!,
    [join(packageRoot, 'bench', 'engine', 'reference.py'), '--threads', String(threads), '--device', device, '--add-iters', String(addIters), '--steps', String(steps)],
    { encoding: 'utf8' },
  );
  if (py.status !== 0) {
    process.stderr.write(`bench: the PyTorch reference failed (${values.python}):\n${py.stderr}\n`);
    process.exit(1);
  }
  return JSON.parse(py.stdout.trim().split('\n').pop()!) as Reference;
}

function measure(): Omit<Reference, 'torch' | 'threads'> {
  return {
    addUs: tinyAddUs(addIters),
    matmulGflops: matmulFlops(1024, 'float32', device === 'cpu' ? 10 : 50) / 1e9,
    stepMs: trainStepMs(steps),
    bf16Tflops: device === 'cpu' ? undefined : matmulFlops(8192, 'bfloat16', 20) / 1e12,
  };
}

/** Best of each figure over the rounds (times: lowest, rates: highest). */
function bestOf<T extends Omit<Reference, 'torch' | 'threads'>>(runs: T[]): T {
  const out = { ...runs[0]! };
  for (const r of runs.slice(1)) {
    out.addUs = Math.min(out.addUs, r.addUs);
    out.stepMs = Math.min(out.stepMs, r.stepMs);
    out.matmulGflops = Math.max(out.matmulGflops, r.matmulGflops);
    if (out.bf16Tflops !== undefined && r.bf16Tflops !== undefined) out.bf16Tflops = Math.max(out.bf16Tflops, r.bf16Tflops);
  }
  return out;
}

// Alternate the two sides so that load from other processes hits both alike.
const refRuns: Reference[] = [];
const ourRuns: ReturnType<typeof measure>[] = [];
for (let r = 0; r < Number(values.rounds); r++) {
  refRuns.push(reference());
  ourRuns.push(measure());
}
const ref = bestOf(refRuns);
const ours = bestOf(ourRuns);
const info = engineInfo();

const rows: [string, number, number, string, string][] = [
  ['tiny add, µs per op (lower is better)', ours.addUs, ref.addUs, (ours.addUs / ref.addUs).toFixed(2), 'target ≤ 1.50'],
  ['1024³ float32 matmul, GFLOP/s', ours.matmulGflops, ref.matmulGflops, (ours.matmulGflops / ref.matmulGflops).toFixed(2), 'target ≥ 0.95'],
  ['attention-block train step, ms (lower is better)', ours.stepMs, ref.stepMs, (ours.stepMs / ref.stepMs).toFixed(2), ''],
];
if (ours.bf16Tflops !== undefined && ref.bf16Tflops !== undefined) {
  rows.push(['8192³ bfloat16 matmul, TFLOP/s', ours.bf16Tflops, ref.bf16Tflops, (ours.bf16Tflops / ref.bf16Tflops).toFixed(2), '']);
}
process.stdout.write(
  `engine bench on ${device}: clinsum (libtorch ${info.libtorch}) vs PyTorch ${ref.torch} (${values.python}), ${threads} thread(s) each\n`,
);
const w = Math.max(...rows.map((r) => r[0].length));
process.stdout.write(`${'figure'.padEnd(w)}  ${'clinsum'.padStart(10)}  ${'pytorch'.padStart(10)}  ${'ratio'.padStart(6)}\n`);
for (const [name, a, b, ratio, target] of rows) {
  process.stdout.write(`${name.padEnd(w)}  ${a.toFixed(3).padStart(10)}  ${b.toFixed(3).padStart(10)}  ${ratio.padStart(6)}  ${target}\n`);
}
if (values.json) writeFileSync(values.json, `${JSON.stringify({ device, threads, libtorch: info.libtorch, ours, reference: ref }, null, 2)}\n`);
