/**
 * Engine benchmark: per-op overhead (a tiny add), 1024³ float32 matmul GFLOP/s, and one
 * training step of a small attention block — each beside the same work in Python PyTorch, run
 * in the same invocation with the same thread count, printing the ratios. On CUDA it also
 * prints 8192³ bfloat16 matmul TFLOP/s.
 *
 *   node dist/bench/engine/engine.js [--device cpu|cuda] [--python /usr/bin/python3] [--json out.json]
 *
 * Targets: overhead ≤ 1.5× PyTorch's, matmul ≥ 0.95× PyTorch's (same BLAS). The two sides
 * alternate figure by figure for --rounds rounds (default 3); each figure is the best of its rounds.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
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

type Figure = 'add' | 'matmul' | 'step' | 'bf16';

const threads = getNumThreads();
const figures: Figure[] = device === 'cpu' ? ['add', 'matmul', 'step'] : ['add', 'matmul', 'step', 'bf16'];
const ourFigure: Record<Figure, () => number> = {
  add: () => tinyAddUs(addIters),
  matmul: () => matmulFlops(1024, 'float32', device === 'cpu' ? 10 : 50) / 1e9,
  step: () => trainStepMs(steps),
  bf16: () => matmulFlops(8192, 'bfloat16', 20) / 1e12,
};
/** Lower is better for times, higher for rates. */
const lowerIsBetter: Record<Figure, boolean> = { add: true, matmul: false, step: true, bf16: false };

// The PyTorch side serves one figure per request, so the two sides alternate figure by figure
// and load from other processes hits both alike; each figure is the best of its rounds.
const py = spawn(
  values.python!,
  [join(packageRoot, 'bench', 'engine', 'reference.py'), '--serve', '--threads', String(threads), '--device', device, '--add-iters', String(addIters), '--steps', String(steps)],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
async function nextLine(): Promise<string> {
  const r = await lines.next();
  if (r.done) {
    process.stderr.write(`bench: the PyTorch reference (${values.python}) stopped\n`);
    process.exit(1);
  }
  return r.value;
}
const head = JSON.parse(await nextLine()) as { torch: string; threads: number };
const ref: Record<string, number> = {};
const ours: Record<string, number> = {};
const better = (f: Figure, a: number | undefined, b: number) => (a === undefined ? b : lowerIsBetter[f] ? Math.min(a, b) : Math.max(a, b));
for (let r = 0; r < Number(values.rounds); r++) {
  for (const f of figures) {
    py.stdin.write(`${f}\n`);
    ref[f] = better(f, ref[f], (JSON.parse(await nextLine()) as { value: number }).value);
    ours[f] = better(f, ours[f], ourFigure[f]());
  }
}
py.stdin.end();
const info = engineInfo();

const label: Record<Figure, [string, string]> = {
  add: ['tiny add, µs per op (lower is better)', 'target ≤ 1.50'],
  matmul: ['1024³ float32 matmul, GFLOP/s', 'target ≥ 0.95'],
  step: ['attention-block train step, ms (lower is better)', ''],
  bf16: ['8192³ bfloat16 matmul, TFLOP/s', ''],
};
const rows = figures.map((f) => [label[f][0], ours[f]!, ref[f]!, (ours[f]! / ref[f]!).toFixed(2), label[f][1]] as const);
process.stdout.write(
  `engine bench on ${device}: clinsum (libtorch ${info.libtorch}) vs PyTorch ${head.torch} (${values.python}), ${threads} thread(s) each, best of ${values.rounds} alternating rounds\n`,
);
const w = Math.max(...rows.map((r) => r[0].length));
process.stdout.write(`${'figure'.padEnd(w)}  ${'clinsum'.padStart(10)}  ${'pytorch'.padStart(10)}  ${'ratio'.padStart(6)}\n`);
for (const [name, a, b, ratio, target] of rows) {
  process.stdout.write(`${name.padEnd(w)}  ${a.toFixed(3).padStart(10)}  ${b.toFixed(3).padStart(10)}  ${ratio.padStart(6)}  ${target}\n`);
}
if (values.json) writeFileSync(values.json, `${JSON.stringify({ device, threads, libtorch: info.libtorch, torch: head.torch, ours, reference: ref }, null, 2)}\n`);
