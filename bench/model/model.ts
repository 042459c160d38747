/**
 * Qwen2 benchmark: one training step (forward + backward over a batch of B×T tokens, logits at
 * every supervised position, mean cross-entropy) and greedy generation tokens/s with the KV cache,
 * for the init-tiny model and a larger one — each beside the same model in Python PyTorch
 * (bench/model/qwen2_ref.py, reading the same folder) in the same run, with the same thread count.
 * The two sides alternate (`--repeat` times) so that load on a shared machine hits both alike;
 * figures are medians over all rounds. Greedy tokens of both sides are compared (same weights,
 * same prompt).
 *
 *   node dist/bench/model/model.js [--python /usr/bin/python3] [--rounds 3] [--repeat 2]
 *        [--models tiny,large] [--batch 4 --seq 256] [--prompt 64 --new-tokens 64 --gen-batch 1] [--json out.json]
 *
 * Targets: step time ≤ 1.1× PyTorch's; generation ≥ 0.9× PyTorch's tokens/s.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { crossEntropy, engineInfo, getNumThreads, tensor, tidy } from '../../src/engine/index.js';
import { packageRoot } from '../../src/engine/native.js';
import { generate, GREEDY } from '../../src/models/generation/index.js';
import { initTinyQwen2, loadQwen2, type TinyQwen2Options } from '../../src/models/qwen2/index.js';

const { values } = parseArgs({
  options: {
    python: { type: 'string', default: '/usr/bin/python3' },
    rounds: { type: 'string', default: '3' },
    repeat: { type: 'string', default: '2' },
    models: { type: 'string', default: 'tiny,large' },
    batch: { type: 'string', default: '4' },
    seq: { type: 'string', default: '256' },
    prompt: { type: 'string', default: '64' },
    'new-tokens': { type: 'string', default: '64' },
    'gen-batch': { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const repeat = Number(values.repeat);
const B = Number(values.batch);
const T = Number(values.seq);
const P = Number(values.prompt);
const NEW = Number(values['new-tokens']);
const GB = Number(values['gen-batch']);
const threads = getNumThreads();

const SHAPES: Record<string, TinyQwen2Options> = {
  tiny: {},
  large: { layers: 8, hidden: 512, heads: 8, kvHeads: 2, intermediate: 2048 },
};

/** Deterministic ids in [0, 151643) (a 32-bit LCG), shared with Python through a file. */
function ids(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % 151643;
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Side {
  stepMs: number[];
  genTps: number[];
  tokens?: number[][];
}

function runTs(dir: string, train: number[][], prompts: number[][], side: Side): void {
  const { model } = loadQwen2(dir);
  try {
    const params = model.parameters();
    for (const p of params) p.requiresGrad_(true);
    const flat = train.flat();
    const at: number[] = [];
    const targets: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T - 1; t++) {
        at.push(b * T + t);
        targets.push(train[b]![t + 1]!);
      }
    }
    const input = { inputIds: tensor(Int32Array.from(flat), { shape: [B, T] }).long().keep(), logitsAt: tensor(at, { dtype: 'int64' }).keep() };
    const tgt = tensor(targets, { dtype: 'int64' }).keep();
    const step = (): void =>
      tidy(() => {
        for (const p of params) p.zeroGrad();
        model.lossAndBackward(input, (logits) => crossEntropy(logits, tgt));
      });
    step();
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      step();
      side.stepMs.push(performance.now() - t0);
    }
    for (const p of params) {
      p.zeroGrad();
      p.requiresGrad_(false);
    }
    const gen = (n: number): number[][] =>
      generate(model, prompts.map((p) => ({ promptIds: p })), { maxNewTokens: n, eosTokenIds: [151935], sampling: GREEDY }).map((o) => o.tokens);
    gen(4);
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      side.tokens = gen(NEW);
      side.genTps.push((GB * NEW) / ((performance.now() - t0) / 1000));
    }
    input.inputIds.dispose();
    input.logitsAt.dispose();
    tgt.dispose();
  } finally {
    model.dispose();
  }
}

function runPy(dir: string, dataFile: string, side: Side): string {
  const py = spawnSync(
    values.python!,
    [
      join(packageRoot, 'bench', 'model', 'qwen2_ref.py'),
      '--model', dir,
      '--threads', String(threads),
      '--rounds', String(rounds),
      '--batch', String(B),
      '--seq', String(T),
      '--gen-batch', String(GB),
      '--prompt', String(P),
      '--new-tokens', String(NEW),
      '--data', dataFile,
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (py.status !== 0) {
    process.stderr.write(`bench: the PyTorch reference failed (${values.python}):\n${py.stderr}\n`);
    process.exit(1);
  }
  const r = JSON.parse(py.stdout.trim().split('\n').pop()!) as { torch: string; stepTimes: number[]; genTimes: number[]; genTokens: number[][] };
  side.stepMs.push(...r.stepTimes);
  side.genTps.push(...r.genTimes.map((ms) => (GB * NEW) / (ms / 1000)));
  side.tokens = r.genTokens;
  return r.torch;
}

const tmp = mkdtempSync(join(tmpdir(), 'clinsum-bench-model-'));
const results: Record<string, unknown> = {};
let torchVersion = '';
try {
  const info = engineInfo();
  process.stdout.write(`clinsum ${info.libtorch} (${info.libtorchMethod}), ${threads} thread(s); batch ${B}×${T} tokens, greedy ${GB}×(${P} prompt + ${NEW} new)\n`);
  for (const name of values.models!.split(',')) {
    const shape = SHAPES[name];
    if (shape === undefined) throw new Error(`unknown model ${name} (tiny, large)`);
    const dir = join(tmp, name);
    initTinyQwen2(dir, { ...shape, seed: 0 });
    const train = Array.from({ length: B }, (_, b) => ids(T, 1000 + b));
    const prompts = Array.from({ length: GB }, (_, b) => ids(P, 2000 + b));
    const dataFile = join(tmp, `${name}.json`);
    writeFileSync(dataFile, JSON.stringify({ train, prompts }));
    const ts: Side = { stepMs: [], genTps: [] };
    const py: Side = { stepMs: [], genTps: [] };
    for (let k = 0; k < repeat; k++) {
      torchVersion = runPy(dir, dataFile, py);
      runTs(dir, train, prompts, ts);
    }
    const same = JSON.stringify(ts.tokens) === JSON.stringify(py.tokens);
    const row = {
      stepMs: { clinsum: median(ts.stepMs), pytorch: median(py.stepMs), ratio: median(ts.stepMs) / median(py.stepMs), target: '≤ 1.1' },
      genTokensPerS: { clinsum: median(ts.genTps), pytorch: median(py.genTps), ratio: median(ts.genTps) / median(py.genTps), target: '≥ 0.9' },
      greedyTokensEqual: same,
    };
    results[name] = row;
    const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
    process.stdout.write(
      `${name.padEnd(6)} train step   clinsum ${f(row.stepMs.clinsum).padStart(7)} ms   PyTorch ${f(row.stepMs.pytorch).padStart(7)} ms   ratio ${row.stepMs.ratio.toFixed(3)} (target ≤ 1.1)\n` +
        `${name.padEnd(6)} greedy       clinsum ${f(row.genTokensPerS.clinsum).padStart(7)} tok/s PyTorch ${f(row.genTokensPerS.pytorch).padStart(7)} tok/s ratio ${row.genTokensPerS.ratio.toFixed(3)} (target ≥ 0.9)` +
        `   greedy tokens ${same ? 'identical' : 'DIFFER'}\n`,
    );
  }
  process.stdout.write(`PyTorch ${torchVersion}\n`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ threads, batch: B, seq: T, prompt: P, newTokens: NEW, genBatch: GB, torch: torchVersion, results }, null, 2)}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
