/**
 * The Qwen2 benchmark of the GPU check: a Qwen2.5-0.5B-shaped model with random weights (hidden
 * 896, 24 layers, 14 heads, 2 key/value heads, MLP 4864, vocab 151936, tied head) — training
 * tokens/s and peak memory (float32 master weights, bf16 autocast, AdamW; plain and with
 * activation checkpointing), greedy generation tokens/s in bf16 (batch 1 and 8) — beside
 * transformers' Qwen2ForCausalLM doing the same work on the same machine in the same run
 * (bench/model/hf_ref.py, reading the same folder). No tokenizer is involved (random ids).
 *
 *   node dist/bench/model/gpu.js [--device cuda] [--python python3] [--shape qwen2.5-0.5b|tiny]
 *        [--train-batch 4 --train-seq 1024 --steps 6] [--gen-batch 1,8 --prompt 512 --new-tokens 256 --gen-rounds 3] [--json out.json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AdamW,
  autocast,
  crossEntropy,
  cudaMemoryStats,
  cudaResetPeakMemory,
  engineInfo,
  synchronize,
  tensor,
  tidy,
  type Device,
} from '../../src/engine/index.js';
import { packageRoot } from '../../src/engine/native.js';
import { generate } from '../../src/models/generation/generate.js';
import { GREEDY } from '../../src/models/generation/sampling.js';
import { QWEN25_05B_SHAPE, qwen2Config, type Qwen2ConfigInput } from '../../src/models/qwen2/config.js';
import { loadQwen2, saveQwen2 } from '../../src/models/qwen2/folder.js';
import { randomQwen2 } from '../../src/models/qwen2/random.js';

const { values } = parseArgs({
  options: {
    device: { type: 'string', default: 'cuda' },
    python: { type: 'string', default: 'python3' },
    shape: { type: 'string', default: 'qwen2.5-0.5b' },
    'train-batch': { type: 'string', default: '4' },
    'train-seq': { type: 'string', default: '1024' },
    steps: { type: 'string', default: '6' },
    'gen-batch': { type: 'string', default: '1,8' },
    prompt: { type: 'string', default: '512' },
    'new-tokens': { type: 'string', default: '256' },
    'gen-rounds': { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const device = values.device as Device;
const B = Number(values['train-batch']);
const T = Number(values['train-seq']);
const STEPS = Number(values.steps);
const GEN = values['gen-batch']!.split(',').map(Number);
const P = Number(values.prompt);
const NEW = Number(values['new-tokens']);
const GEN_ROUNDS = Number(values['gen-rounds']);

const SHAPES: Record<string, Qwen2ConfigInput> = {
  'qwen2.5-0.5b': QWEN25_05B_SHAPE,
  tiny: { ...QWEN25_05B_SHAPE, hiddenSize: 64, intermediateSize: 128, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2 },
};

function ids(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % 151643;
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sync = (): void => synchronize(device);

function peakBytes(): number | null {
  if (device === 'cpu') return null;
  try {
    return cudaMemoryStats(device).peakAllocated;
  } catch {
    return null; // a libtorch without allocator statistics (engine: CLINSUM_NO_CUDA_STATS)
  }
}
function resetPeak(): void {
  if (device === 'cpu') return;
  try {
    cudaResetPeakMemory(device);
  } catch {
    // statistics unavailable: peakBytes() reports null
  }
}

interface TrainFigures {
  tokensPerS: number;
  stepMs: number;
  peakBytes: number | null;
  loss: number;
}

function trainOurs(dir: string, train: number[][], checkpoint: boolean): TrainFigures {
  const { model } = loadQwen2(dir, { dtype: 'float32', device });
  const params = model.parameters();
  for (const p of params) p.requiresGrad_(true);
  const opt = new AdamW(params, { lr: 1e-5, weightDecay: 0.01 });
  try {
    const at: number[] = [];
    const tg: number[] = [];
    train.forEach((row, b) => row.forEach((_, t) => t < T - 1 && (at.push(b * T + t), tg.push(row[t + 1]!))));
    const input = {
      inputIds: tensor(Int32Array.from(train.flat()), { shape: [B, T], device }).long().keep(),
      logitsAt: tensor(Int32Array.from(at), { device }).long().keep(),
    };
    const targets = tensor(Int32Array.from(tg), { device }).long().keep();
    let loss = 0;
    const step = (): void =>
      tidy(() => {
        const l = autocast(() => model.lossAndBackward(input, (logits) => crossEntropy(logits, targets), { checkpoint }), { deviceType: device === 'cpu' ? 'cpu' : 'cuda', dtype: 'bfloat16' });
        opt.step();
        opt.zeroGrad();
        loss = l.item();
      });
    step();
    sync();
    resetPeak();
    const times: number[] = [];
    for (let s = 0; s < STEPS; s++) {
      const t0 = performance.now();
      step();
      sync();
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    input.inputIds.dispose();
    input.logitsAt.dispose();
    targets.dispose();
    return { tokensPerS: (B * T) / (ms / 1000), stepMs: ms, peakBytes: peakBytes(), loss };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

function generateOurs(dir: string, prompts: number[][]): { tokensPerS: Record<string, number>; tokens: number[][] } {
  const { model } = loadQwen2(dir, { dtype: device === 'cpu' ? 'float32' : 'bfloat16', device });
  try {
    const out: Record<string, number> = {};
    let tokens: number[][] = [];
    for (const g of GEN) {
      const reqs = prompts.slice(0, g).map((p) => ({ promptIds: p }));
      generate(model, reqs, { maxNewTokens: 8, eosTokenIds: [151935], sampling: GREEDY });
      const times: number[] = [];
      for (let r = 0; r < GEN_ROUNDS; r++) {
        sync();
        const t0 = performance.now();
        const res = generate(model, reqs, { maxNewTokens: NEW, eosTokenIds: [151935], sampling: GREEDY });
        sync();
        times.push(performance.now() - t0);
        if (g === GEN[0]) tokens = res.map((x) => x.tokens);
      }
      out[String(g)] = (g * NEW) / (median(times) / 1000);
    }
    return { tokensPerS: out, tokens };
  } finally {
    model.dispose();
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'clinsum-bench-gpu-'));
try {
  const shape = SHAPES[values.shape!];
  if (shape === undefined) throw new Error(`unknown shape ${values.shape} (qwen2.5-0.5b, tiny)`);
  const config = qwen2Config({ ...shape, torchDtype: 'bfloat16' });
  const dir = join(tmp, 'model');
  {
    using m = randomQwen2(config, 0, 'bfloat16');
    saveQwen2(m, dir);
  }
  const train = Array.from({ length: B }, (_, b) => ids(T, 100 + b));
  const prompts = Array.from({ length: Math.max(...GEN) }, (_, b) => ids(P, 200 + b));
  const dataFile = join(tmp, 'data.json');
  writeFileSync(dataFile, JSON.stringify({ train, prompts }));
  const info = engineInfo();
  process.stdout.write(`clinsum ${info.libtorch}; ${info.cudaDevices.map((d) => d.name).join(', ') || 'cpu'}; ${values.shape}: ${config.numHiddenLayers} layers, hidden ${config.hiddenSize}, vocab ${config.vocabSize}\n`);

  const py = spawnSync(
    values.python!,
    [join(packageRoot, 'bench', 'model', 'hf_ref.py'), '--model', dir, '--data', dataFile, '--device', device, '--steps', String(STEPS), '--gen-batch', GEN.join(','), '--new-tokens', String(NEW), '--gen-rounds', String(GEN_ROUNDS)],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  let ref: Record<string, unknown> | undefined;
  if (py.status === 0) ref = JSON.parse(py.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  else process.stderr.write(`bench: the transformers reference failed (${values.python}):\n${py.stderr.slice(-4000)}\n`);

  const ours = {
    train: trainOurs(dir, train, false),
    trainCheckpointed: trainOurs(dir, train, true),
    generate: generateOurs(dir, prompts),
  };
  const theirs = ref as
    | { transformers: string; torch: string; train: TrainFigures; trainCheckpointed: TrainFigures; generate: { tokensPerS: Record<string, number>; tokens: number[][] } }
    | undefined;
  const gib = (b: number | null | undefined): string => (b === null || b === undefined ? '—' : `${(b / 2 ** 30).toFixed(2)} GiB`);
  const f = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(0));
  const ratio = (a: number, b: number | undefined): string => (b === undefined ? '—' : (a / b).toFixed(3));
  for (const [k, label] of [['train', 'train'], ['trainCheckpointed', 'train (activation checkpointing)']] as const) {
    const o = ours[k];
    const t = theirs?.[k];
    process.stdout.write(
      `${label}: clinsum ${f(o.tokensPerS)} tok/s (peak ${gib(o.peakBytes)}, loss ${o.loss.toFixed(4)})   transformers ${f(t?.tokensPerS)} tok/s (peak ${gib(t?.peakBytes)}, loss ${t?.loss?.toFixed(4) ?? '—'})   ratio ${ratio(o.tokensPerS, t?.tokensPerS)}\n`,
    );
  }
  for (const g of GEN) {
    const o = ours.generate.tokensPerS[String(g)]!;
    const t = theirs?.generate.tokensPerS[String(g)];
    process.stdout.write(`greedy batch ${g}: clinsum ${f(o)} tok/s   transformers ${f(t)} tok/s   ratio ${ratio(o, t)}\n`);
  }
  if (theirs !== undefined) {
    const a = ours.generate.tokens;
    const b = theirs.generate.tokens;
    const agree = a.map((row, i) => {
      let k = 0;
      while (k < row.length && row[k] === b[i]?.[k]) k++;
      return k;
    });
    process.stdout.write(`greedy tokens identical with transformers for the first ${agree.join(', ')} of ${NEW} (bf16: kernels differ, later tokens may too)\n`);
    process.stdout.write(`transformers ${theirs.transformers}, torch ${theirs.torch}\n`);
  }
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify({ device, shape: values.shape, trainBatch: B, trainSeq: T, prompt: P, newTokens: NEW, ours: { ...ours, generate: ours.generate.tokensPerS }, transformers: theirs === undefined ? null : { ...theirs, generate: theirs.generate.tokensPerS } }, null, 2)}\n`);
  }
  if (theirs === undefined) process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
