/**
 * Qwen2 benchmark: one training step (forward + backward over a batch of B×T tokens, logits at
 * every supervised position, mean cross-entropy) and greedy generation tokens/s with the KV cache,
 * for the init-tiny model and a larger one — each beside the same model in Python PyTorch
 * (bench/model/qwen2_ref.py, reading the same folder) in the same run, with the same thread count.
 * Both sides load the model once and alternate figure by figure, round by round, so that load on
 * a shared machine hits both alike; times are CPU time of each process (time spent descheduled
 * by other processes is not counted); each figure is the best of its rounds (all rounds, and the
 * medians, go to --json). Greedy tokens of both sides are compared (same weights, same prompt).
 *
 *   node dist/bench/model/model.js [--python /usr/bin/python3] [--rounds 5]
 *        [--models tiny,large] [--batch 4 --seq 256] [--prompt 64 --new-tokens 64 --gen-batch 1] [--json out.json]
 *
 * Targets: step time ≤ 1.1× PyTorch's; generation ≥ 0.9× PyTorch's tokens/s.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
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
    rounds: { type: 'string', default: '5' },
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

/**
 * CPU time of this process in ms (user + system), as Python's `time.process_time` on the other
 * side: on a shared machine, time spent descheduled is not counted, so the two sides compare
 * steadily. (libtorch runs its work on the calling thread with one thread; with more, all count.)
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Side {
  stepMs: number[];
  genTps: number[];
  tokens?: number[][];
}

/** Our side: the model loaded once, one figure per call. */
function ours(dir: string, train: number[][], prompts: number[][]): { step: () => number; gen: () => { value: number; tokens: number[][] }; dispose: () => void } {
  const { model } = loadQwen2(dir);
  const params = model.parameters();
  for (const p of params) p.requiresGrad_(true);
  const at: number[] = [];
  const targets: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T - 1; t++) {
      at.push(b * T + t);
      targets.push(train[b]![t + 1]!);
    }
  }
  const input = { inputIds: tensor(Int32Array.from(train.flat()), { shape: [B, T] }).long().keep(), logitsAt: tensor(Int32Array.from(at)).long().keep() };
  const tgt = tensor(Int32Array.from(targets)).long().keep();
  const step = (): void =>
    tidy(() => {
      for (const p of params) p.zeroGrad();
      model.lossAndBackward(input, (logits) => crossEntropy(logits, tgt));
    });
  const gen = (n: number): number[][] =>
    generate(model, prompts.map((p) => ({ promptIds: p })), { maxNewTokens: n, eosTokenIds: [151935], sampling: GREEDY }).map((o) => o.tokens);
  step(); // warm-up
  gen(4);
  return {
    step: () => {
      const t0 = cpuMs();
      step();
      return cpuMs() - t0;
    },
    gen: () => {
      const t0 = cpuMs();
      const tokens = gen(NEW);
      return { value: (GB * NEW) / ((cpuMs() - t0) / 1000), tokens };
    },
    dispose: () => {
      input.inputIds.dispose();
      input.logitsAt.dispose();
      tgt.dispose();
      model.dispose();
    },
  };
}

/** The PyTorch side, serving one figure per request (bench/model/qwen2_ref.py --serve). */
async function reference(dir: string, dataFile: string): Promise<{ torch: string; ask: (f: 'step' | 'gen') => Promise<{ value: number; tokens?: number[][] }>; close: () => void }> {
  const py = spawn(
    values.python!,
    [join(packageRoot, 'bench', 'model', 'qwen2_ref.py'), '--serve', '--model', dir, '--threads', String(threads), '--gen-batch', String(GB), '--new-tokens', String(NEW), '--data', dataFile],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) {
      process.stderr.write(`bench: the PyTorch reference (${values.python}) stopped\n`);
      process.exit(1);
    }
    return r.value;
  };
  const head = JSON.parse(await next()) as { torch: string };
  return {
    torch: head.torch,
    ask: async (f) => {
      py.stdin.write(`${f}\n`);
      return JSON.parse(await next()) as { value: number; tokens?: number[][] };
    },
    close: () => py.stdin.end(),
  };
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
    // Both sides load once, then alternate figure by figure, round by round, so that load from
    // other processes hits both alike; each figure is the best of its rounds.
    const py = await reference(dir, dataFile);
    torchVersion = py.torch;
    const me = ours(dir, train, prompts);
    const ts: Side = { stepMs: [], genTps: [] };
    const ref: Side = { stepMs: [], genTps: [] };
    for (let r = 0; r < rounds; r++) {
      ref.stepMs.push((await py.ask('step')).value);
      ts.stepMs.push(me.step());
      const g = await py.ask('gen');
      ref.genTps.push(g.value);
      ref.tokens = g.tokens;
      const o = me.gen();
      ts.genTps.push(o.value);
      ts.tokens = o.tokens;
    }
    py.close();
    me.dispose();
    const same = JSON.stringify(ts.tokens) === JSON.stringify(ref.tokens);
    const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const row = {
      medians: {
        stepMs: { clinsum: med(ts.stepMs), pytorch: med(ref.stepMs), ratio: med(ts.stepMs) / med(ref.stepMs) },
        genTokensPerS: { clinsum: med(ts.genTps), pytorch: med(ref.genTps), ratio: med(ts.genTps) / med(ref.genTps) },
      },
      stepMs: { clinsum: Math.min(...ts.stepMs), pytorch: Math.min(...ref.stepMs), ratio: Math.min(...ts.stepMs) / Math.min(...ref.stepMs), target: '≤ 1.1', rounds: { clinsum: ts.stepMs, pytorch: ref.stepMs } },
      genTokensPerS: { clinsum: Math.max(...ts.genTps), pytorch: Math.max(...ref.genTps), ratio: Math.max(...ts.genTps) / Math.max(...ref.genTps), target: '≥ 0.9', rounds: { clinsum: ts.genTps, pytorch: ref.genTps } },
      greedyTokensEqual: same,
    };
    results[name] = row;
    const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
    process.stdout.write(
      `${name.padEnd(6)} train step   clinsum ${f(row.stepMs.clinsum).padStart(7)} ms   PyTorch ${f(row.stepMs.pytorch).padStart(7)} ms   ratio ${row.stepMs.ratio.toFixed(3)} (target ≤ 1.1; medians ${row.medians.stepMs.ratio.toFixed(3)})\n` +
        `${name.padEnd(6)} greedy       clinsum ${f(row.genTokensPerS.clinsum).padStart(7)} tok/s PyTorch ${f(row.genTokensPerS.pytorch).padStart(7)} tok/s ratio ${row.genTokensPerS.ratio.toFixed(3)} (target ≥ 0.9; medians ${row.medians.genTokensPerS.ratio.toFixed(3)})` +
        `   greedy tokens ${same ? 'identical' : 'DIFFER'}\n`,
    );
  }
  process.stdout.write(`PyTorch ${torchVersion}\n`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ threads, batch: B, seq: T, prompt: P, newTokens: NEW, genBatch: GB, torch: torchVersion, results }, null, 2)}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
