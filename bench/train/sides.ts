/** The two sides of bench/train: clinsum's trainer, and the published recipe's batching on the same engine. */
import { join } from 'node:path';
import { arange, clipGradNorm, crossEntropy, tensor, tidy } from '../../src/engine/index.js';
import { IGNORE_INDEX } from '../../src/data/index.js';
import { loadTokenizer } from '../../src/models/tokenizer/index.js';
import { ConfigBuilder, buildOptimizer, loadStudent, requireInputs, train, loadTrainingSet } from '../../src/stages/train/index.js';

export interface SideResult {
  /** Supervised tokens of the timed steps. */
  usefulTokens: number;
  inputTokens: number;
  paddedTokens: number;
  steps: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** Peak RSS of the process. */
  peakRssMiB: number;
}

/** The published recipe's sequence length. */
export const RECIPE_LENGTH = 3078;
const GAMMA = 0.8;

const maxRssMiB = (): number => process.resourceUsage().maxRSS / 1024;
const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function config(dir: string, epochs = 1) {
  const b = new ConfigBuilder();
  const set = (path: string, value: unknown) => b.set({ path, value, source: 'bench' });
  set('model', join(dir, 'model'));
  set('train', join(dir, 'train.jsonl'));
  set('keyinfo', join(dir, 'keyinfo.jsonl'));
  set('out', join(dir, `out-${process.pid}`));
  set('valid', null);
  set('epochs', epochs);
  set('device', 'cpu');
  set('gamma', GAMMA);
  return requireInputs(b.build());
}

interface Mark {
  cpu: number;
  wall: number;
}

/**
 * clinsum: `train()` with the default settings for `epochs` epochs (more timed steps than the
 * recipe's one epoch: rates do not change between epochs); steps 2… are timed (from the end of
 * step 1 to the end of the last).
 */
export async function runClinsum(dir: string, epochs: number): Promise<SideResult> {
  const marks: Mark[] = [];
  const r: SideResult = { usefulTokens: 0, inputTokens: 0, paddedTokens: 0, steps: 0, cpuSeconds: 0, wallSeconds: 0, peakRssMiB: 0 };
  await train(config(dir, epochs), {
    loadModel: loadStudent,
    progress: { silent: true },
    onStep: (s) => {
      marks.push({ cpu: cpuSeconds(), wall: performance.now() });
      if (s.step === 1) return;
      r.usefulTokens += s.tokens;
      r.inputTokens += s.inputTokens;
      r.paddedTokens += s.paddedTokens;
      r.steps++;
    },
  });
  r.cpuSeconds = marks[marks.length - 1]!.cpu - marks[0]!.cpu;
  r.wallSeconds = (marks[marks.length - 1]!.wall - marks[0]!.wall) / 1000;
  r.peakRssMiB = maxRssMiB();
  return r;
}

/** What both sides do before training — the tokenizer, the formatted data and the model — and its peak RSS (MiB). */
export function runIdle(dir: string): { peakRssMiB: number } {
  const c = config(dir);
  const tok = loadTokenizer(c.model);
  loadTrainingSet(c.train, c.keyinfo, tok, { gamma: c.gamma, layout: c.layout, prompts: c.prompts, budgets: c.budgets });
  loadStudent(c.model, { device: 'cpu' }).dispose();
  return { peakRssMiB: maxRssMiB() };
}

/**
 * The recipe: per report, the summarization example then the extraction example, each alone
 * (batch 1) padded to 3078 tokens, logits at every position, `γ·CE` and `(1−γ)·CE` backward in
 * two passes, then clipping and the same AdamW step. Steps 2… are timed.
 */
export function runRecipe(dir: string): SideResult {
  const c = config(dir);
  const tok = loadTokenizer(c.model);
  const set = loadTrainingSet(c.train, c.keyinfo, tok, { gamma: c.gamma, layout: c.layout, prompts: c.prompts, budgets: c.budgets });
  const model = loadStudent(c.model, { device: 'cpu' });
  const opt = buildOptimizer(model, c.optimizer);
  const params = model.namedParameters().map(([, p]) => p);
  const pad = tok.padId ?? tok.eosId;
  const byRecord = new Map<string, typeof set.examples>();
  for (const e of set.examples) byRecord.set(e.id!, [...(byRecord.get(e.id!) ?? []), e]);
  const r: SideResult = { usefulTokens: 0, inputTokens: 0, paddedTokens: 0, steps: 0, cpuSeconds: 0, wallSeconds: 0, peakRssMiB: 0 };
  let t0: Mark | undefined;
  let step = 0;
  for (const exs of byRecord.values()) {
    let useful = 0;
    let input = 0;
    for (const e of exs) {
      const T = RECIPE_LENGTH;
      const ids = new BigInt64Array(T).fill(BigInt(pad));
      const targets = new BigInt64Array(T).fill(BigInt(IGNORE_INDEX));
      const n = Math.min(T, e.inputIds.length);
      for (let t = 0; t < n; t++) ids[t] = BigInt(e.inputIds[t]!);
      for (let t = 0; t + 1 < n; t++) {
        if (e.labels[t + 1] !== IGNORE_INDEX) {
          targets[t] = BigInt(e.labels[t + 1]!);
          useful++;
        }
      }
      input += n;
      const w = e.task === 'sum' ? GAMMA : 1 - GAMMA;
      tidy(() => {
        const batch = { inputIds: tensor(ids, { shape: [1, T] }), logitsAt: arange(T) };
        model.lossAndBackward(batch, (logits) => crossEntropy(logits, tensor(targets)).mul(w), { checkpoint: false });
      });
    }
    clipGradNorm(params, c.max_grad_norm ?? Infinity);
    opt.step();
    opt.zeroGrad();
    step++;
    const now = { cpu: cpuSeconds(), wall: performance.now() };
    if (step === 1) {
      t0 = now;
      continue;
    }
    r.usefulTokens += useful;
    r.inputTokens += input;
    r.paddedTokens += exs.length * RECIPE_LENGTH;
    r.steps++;
    r.cpuSeconds = now.cpu - t0!.cpu;
    r.wallSeconds = (now.wall - t0!.wall) / 1000;
  }
  r.peakRssMiB = maxRssMiB();
  opt.dispose();
  model.dispose();
  return r;
}
