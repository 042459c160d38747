/**
 * GPU benchmark of the training step (run by scripts/gpu/train-bench.sh on the device machine):
 * the Qwen2.5-0.5B shape (hidden 896, 24 layers, 14 heads, 2 key/value heads, MLP 4864, vocab
 * 151936, tied embeddings), float32 master weights, bf16 autocast, AdamW with the paper's
 * settings — clinsum's `optimizerStep` beside transformers + PyTorch (scripts/gpu/train-bench.py)
 * on the same weights and the same batch, in the same run.
 *
 *   node dist/bench/train/gpu.js --write DIR     model folder (random init) + batch.json
 *   node dist/bench/train/gpu.js --run DIR       times clinsum's step → DIR/clinsum.json
 *   node dist/bench/train/gpu.js --report DIR    DIR/{clinsum,pytorch}.json → a Markdown table
 *   --run DIR --profile: then 2 more steps under the profiler → DIR/clinsum-trace.json; --report
 *   compares it with DIR/pytorch-trace.json (train-bench.py --profile): GPU time per step by kind
 *   of kernel, the share of the step the GPU was busy, and each side's longest kernels
 *   (--tiny --device cpu: a 2-layer model on the CPU, to check the script without a GPU)
 *
 * The batch is one length-grouped micro-batch as clinsum builds them: 12 examples (6 reports ×
 * {sum, ext}) of 1100–1350 tokens, right-padded to the longest (≤ 16384 padded tokens), the
 * last fifth of each supervised. Token ids are drawn from a seeded generator.
 *
 * MFU counts useful work only: 6 · N_body · real input tokens (N_body: the non-embedding
 * parameters) + 6 · hidden · vocab · supervised tokens (the LM head where the loss needs it) +
 * causal attention 6 · layers · hidden · Σ T_i², over the device's dense bf16 peak (H100 SXM /
 * H200: 989 TFLOP/s, H100 PCIe: 756; CLINSUM_PEAK_TFLOPS overrides). The same count is used for
 * both sides, so MFU ratios equal speed ratios.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// Imports name modules, not index files: the GPU machine gets only the runtime packages of
// scripts/gpu-pack.sh (zod, node-addon-api), so nothing here may reach yaml, the tokenizer or ROUGE.
import { cudaAvailable, cudaDevices, cudaMemoryStats, cudaResetPeakMemory, engineInfo, synchronize } from '../../src/engine/runtime.js';
import { profile, summarizeTrace, type KernelCategory, type TraceSummary } from '../../src/engine/profiler.js';
import { IGNORE_INDEX, type FormattedExample, type Task } from '../../src/data/format.js';
import { QWEN25_INSTRUCT_GENERATION_CONFIG } from '../../src/models/generation/config.js';
import { randomQwen2 } from '../../src/models/qwen2/random.js';
import { qwen2Config, qwen2ConfigToHF } from '../../src/models/qwen2/config.js';
import { saveQwen2 } from '../../src/models/qwen2/folder.js';
import { loadQwen2Student } from '../../src/stages/train/qwen2.js';
import { PAPER_OPTIMIZER, buildOptimizer, optimizerStep, precisionCompute, type StepRunner } from '../../src/stages/train/step.js';
import { Prng } from '../../src/util/prng.js';

/** Qwen2.5-0.5B's shape. */
const QWEN25_05B = { hidden: 896, layers: 24, heads: 14, kvHeads: 2, intermediate: 4864, vocab: 151936 };
/** `--tiny`: a 2-layer model with the same vocabulary, to check this script on a CPU machine. */
const TINY = { hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, vocab: 151936 };
const GAMMA = 0.8;

interface BatchSpec {
  shape: typeof QWEN25_05B;
  gamma: number;
  pad: number;
  examples: { task: Task; ids: number[]; labels: number[] }[];
}

export interface SideTiming {
  side: string;
  steps: number;
  msPerStep: number;
  realTokens: number;
  paddedTokens: number;
  usefulTokens: number;
  firstLoss: number;
  peakMemoryGiB: number | null;
  device: string;
}

function makeBatch(seed: number): BatchSpec {
  const p = new Prng(seed);
  const examples: BatchSpec['examples'] = [];
  for (let r = 0; r < 6; r++) {
    const base = 1100 + p.int(200);
    for (const task of ['sum', 'ext'] as const) {
      const len = base + p.int(50);
      const ids = Array.from({ length: len }, () => p.int(151643));
      const start = len - Math.floor(len / 5);
      const labels = ids.map((id, t) => (t >= start ? id : IGNORE_INDEX));
      examples.push({ task, ids, labels });
    }
  }
  return { shape: SHAPE, gamma: GAMMA, pad: 151643, examples };
}

function toExamples(b: BatchSpec): FormattedExample[] {
  return b.examples.map((e, i) => {
    const start = e.labels.findIndex((l) => l !== IGNORE_INDEX);
    const labelCount = e.labels.length - start;
    return {
      id: `r${Math.floor(i / 2)}`,
      task: e.task,
      lang: 'en',
      inputIds: Int32Array.from(e.ids),
      labels: Int32Array.from(e.labels),
      assistantStart: start,
      labelCount,
      truncated: { report: false, target: false },
      tokens: { prompt: start, target: labelCount, report: start, reportFull: start, targetFull: labelCount },
      prompt: { text: '', hash: '' },
    };
  });
}

/** Useful FLOPs of one step (see the file comment). */
export function usefulFlops(b: BatchSpec): number {
  const { hidden: d, layers: L, heads, kvHeads, intermediate: f, vocab: V } = b.shape;
  const hd = d / heads;
  const perLayer = d * heads * hd + heads * hd + 2 * (d * kvHeads * hd + kvHeads * hd) + heads * hd * d + 3 * d * f + 2 * d;
  const body = L * perLayer + d;
  let real = 0;
  let sup = 0;
  let att = 0;
  for (const e of b.examples) {
    real += e.ids.length;
    sup += e.labels.filter((l) => l !== IGNORE_INDEX).length;
    att += e.ids.length ** 2;
  }
  return 6 * body * real + 6 * d * V * sup + 6 * L * d * att;
}

function peakTflops(name: string): number {
  const env = Number(process.env.CLINSUM_PEAK_TFLOPS);
  if (Number.isFinite(env) && env > 0) return env;
  if (/H100.*PCIe/i.test(name)) return 756;
  if (/H100|H200|GH200/i.test(name)) return 989;
  if (/A100/i.test(name)) return 312;
  return Number.NaN;
}

/** Steps run under the profiler after the timed ones (both sides: PROFILED_STEPS of train-bench.py too). */
const PROFILED_STEPS = 2;
const CATEGORIES: readonly KernelCategory[] = ['matmul', 'attention', 'norm', 'elementwise', 'reduction', 'loss', 'optimizer', 'copy', 'other'];

/** The two sides' traces side by side (empty when either trace is missing). */
function profileReport(dir: string): string[] {
  const sides: [string, string][] = [
    ['clinsum', join(dir, 'clinsum-trace.json')],
    ['pytorch-selective', join(dir, 'pytorch-trace.json')],
  ];
  if (!sides.every(([, f]) => existsSync(f))) return [];
  const sums: [string, TraceSummary][] = sides.map(([side, f]) => [side, summarizeTrace(f)]);
  const ms = (us: number): string => (us / 1000 / PROFILED_STEPS).toFixed(1);
  const lines = [
    '',
    `### Where the GPU time goes (profiler, ${PROFILED_STEPS} steps each; ms per step)`,
    '',
    `| side | GPU busy | busy share | ${CATEGORIES.join(' | ')} |`,
    `| --- | --- | --- | ${CATEGORIES.map(() => '---').join(' | ')} |`,
    ...sums.map(([side, s]) => `| ${side} | ${ms(s.gpu.busyUs)} | ${(100 * s.gpu.busyShare).toFixed(0)}% | ${CATEGORIES.map((c) => ms(s.gpu.byCategory[c])).join(' | ')} |`),
  ];
  lines.push(
    '',
    'The norm column is comparable only roughly: clinsum\'s RMSNorm may be a fused kernel, transformers\' Qwen2RMSNorm is plain PyTorch ops (its time lands under elementwise and reduction).',
  );
  for (const [side, s] of sums) {
    if (s.gpu.events === 0) lines.push('', `${side}: the trace has no GPU events (a profiler without CUDA tracing?)`);
    lines.push('', `${side}: longest kernels (ms per step, launches per step)`, '');
    for (const k of s.gpu.kernels.slice(0, 15)) lines.push(`- ${ms(k.totalUs)} ms ×${(k.count / PROFILED_STEPS).toFixed(1)} [${k.category}] ${k.name.slice(0, 140)}`);
  }
  return lines;
}

const { values } = parseArgs({
  options: {
    write: { type: 'string' },
    run: { type: 'string' },
    report: { type: 'string' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    tiny: { type: 'boolean', default: false },
    device: { type: 'string', default: 'cuda' },
    profile: { type: 'boolean', default: false },
  },
});
const SHAPE = values.tiny ? TINY : QWEN25_05B;
const device = values.device === 'cpu' ? 'cpu' : 'cuda';

if (values.write !== undefined) {
  const dir = values.write;
  const config = qwen2Config({
    vocabSize: SHAPE.vocab,
    hiddenSize: SHAPE.hidden,
    intermediateSize: SHAPE.intermediate,
    numHiddenLayers: SHAPE.layers,
    numAttentionHeads: SHAPE.heads,
    numKeyValueHeads: SHAPE.kvHeads,
    ropeTheta: 1_000_000,
    rmsNormEps: 1e-6,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 32768,
    initializerRange: 0.02,
    torchDtype: 'float32',
    bosTokenId: 151643,
    eosTokenIds: [151645],
  });
  const model = randomQwen2(config, 0);
  const out = join(dir, 'model');
  saveQwen2(model, out, { base: { dir: out, hfConfig: qwen2ConfigToHF(config), generationConfigJson: { ...QWEN25_INSTRUCT_GENERATION_CONFIG } } });
  model.dispose();
  writeFileSync(join(dir, 'batch.json'), JSON.stringify({ ...makeBatch(42), shape: SHAPE }));
  process.stdout.write(`wrote ${dir}/model and ${dir}/batch.json\n`);
} else if (values.run !== undefined) {
  const dir = values.run;
  if (device === 'cuda' && !cudaAvailable()) throw new Error('bench/train/gpu: CUDA is not available to this libtorch');
  const batch = JSON.parse(readFileSync(join(dir, 'batch.json'), 'utf8')) as BatchSpec;
  const examples = toExamples(batch);
  const model = loadQwen2Student(join(dir, 'model'), { device });
  const runner: StepRunner = {
    model,
    optimizer: buildOptimizer(model, PAPER_OPTIMIZER),
    gamma: batch.gamma,
    reduction: 'mean',
    checkpoint: false,
    maxGradNorm: 1,
    padId: batch.pad,
    compute: precisionCompute('auto', device).compute,
  };
  const warmup = Number(values.warmup);
  const steps = Number(values.steps);
  let firstLoss = Number.NaN;
  const memoryStats = (): number | null => {
    if (device === 'cpu') return null;
    try {
      return cudaMemoryStats('cuda').peakAllocated / 2 ** 30;
    } catch {
      return null; // libtorch < 2.9 or built without CUDA memory statistics
    }
  };
  if (memoryStats() !== null) cudaResetPeakMemory('cuda');
  for (let i = 0; i < warmup; i++) {
    const r = optimizerStep(runner, [examples], PAPER_OPTIMIZER.lr);
    if (!r.ok) throw new Error(`step failed: ${r.what}`);
    if (i === 0) firstLoss = GAMMA * (r.sums.sum / r.counts.sum) + (1 - GAMMA) * (r.sums.ext / r.counts.ext);
  }
  synchronize(device);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) optimizerStep(runner, [examples], PAPER_OPTIMIZER.lr);
  synchronize(device);
  const ms = (performance.now() - t0) / steps;
  const longest = Math.max(...batch.examples.map((e) => e.ids.length));
  const out: SideTiming = {
    side: 'clinsum',
    steps,
    msPerStep: ms,
    realTokens: batch.examples.reduce((s, e) => s + e.ids.length, 0),
    paddedTokens: longest * batch.examples.length,
    usefulTokens: examples.reduce((s, e) => s + e.labelCount, 0),
    firstLoss,
    peakMemoryGiB: memoryStats(),
    device: device === 'cpu' ? 'cpu' : (cudaDevices()[0]?.name ?? 'cuda'),
  };
  writeFileSync(join(dir, 'clinsum.json'), `${JSON.stringify({ ...out, libtorch: engineInfo().libtorch }, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  if (values.profile) {
    // Best effort: the timing above is already written; a profiler failure only loses the trace.
    try {
      profile(
        () => {
          for (let i = 0; i < PROFILED_STEPS; i++) optimizerStep(runner, [examples], PAPER_OPTIMIZER.lr);
        },
        { path: join(dir, 'clinsum-trace.json'), cuda: device === 'cuda' },
      );
      process.stdout.write(`profiled ${PROFILED_STEPS} steps → ${join(dir, 'clinsum-trace.json')}\n`);
    } catch (e) {
      process.stderr.write(`bench/train/gpu: profiling failed, no trace: ${(e as Error).message}\n`);
    }
  }
} else if (values.report !== undefined) {
  const dir = values.report;
  const batch = JSON.parse(readFileSync(join(dir, 'batch.json'), 'utf8')) as BatchSpec;
  const flops = usefulFlops(batch);
  const read = (f: string): SideTiming[] => {
    const v = JSON.parse(readFileSync(join(dir, f), 'utf8')) as SideTiming | SideTiming[];
    return Array.isArray(v) ? v : [v];
  };
  const sides = [...read('clinsum.json'), ...read('pytorch.json')];
  const peak = peakTflops(sides[0]!.device);
  const base = sides[0]!;
  const lines = [
    `device: ${base.device}; batch: ${base.realTokens} real tokens (${base.paddedTokens} padded), ${base.usefulTokens} supervised; useful work ${(flops / 1e12).toFixed(2)} TFLOP per step; peak ${peak} TFLOP/s`,
    '',
    '| side | ms / step | real tokens/s | supervised tokens/s | MFU | clinsum speed-up | first loss | peak memory GiB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...sides.map((s) => {
      const mfu = flops / (s.msPerStep / 1000) / (peak * 1e12);
      return `| ${s.side} | ${s.msPerStep.toFixed(1)} | ${((s.realTokens * 1000) / s.msPerStep).toFixed(0)} | ${((s.usefulTokens * 1000) / s.msPerStep).toFixed(0)} | ${(100 * mfu).toFixed(1)}% | ${(s.msPerStep / base.msPerStep).toFixed(2)}× | ${s.firstLoss.toFixed(4)} | ${s.peakMemoryGiB === null ? '—' : s.peakMemoryGiB.toFixed(1)} |`;
    }),
    '',
    'targets: clinsum ≥ 1.0× PyTorch (selective logits, the same algorithm) and MFU ≥ 35%; the first losses agree when both sides ran the same weights on the same batch.',
    ...profileReport(dir),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} else {
  process.stderr.write('usage: node dist/bench/train/gpu.js --write DIR | --run DIR | --report DIR\n');
  process.exit(2);
}
