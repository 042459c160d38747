/**
 * The distillation objective on real reports with the real Qwen2.5 tokenizer and a tiny float64
 * Qwen2 student: one pass over a mixed batch equals the two-pass definition (loss and every gradient),
 * γ = 1 is plain fine-tuning, accumulation equals one big batch, and the supervised positions
 * are exactly the assistant segments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy, tidy, type Tensor } from '../src/engine/index.js';
import { IGNORE_INDEX, readDataset, type CaseRecord, type FormattedExample } from '../src/data/index.js';
import { qwen25Tokenizer } from '../src/models/tokenizer/index.js';
import { collate, countTokens } from '../src/stages/train/batching.js';
import { formatAll, type ExampleOptions } from '../src/stages/train/examples.js';
import { combineLosses, microBatchLoss, sumsByTask, taskWeights } from '../src/stages/train/objective.js';
import type { TrainableLM } from '../src/stages/train/lm.js';
import { TEST_STUDENT, openingOf } from '../src/stages/train/testing/fixture.js';
import { Qwen2Student } from '../src/stages/train/qwen2.js';
import { randomQwen2, tinyQwen2Config } from '../src/models/qwen2/index.js';
import { multiclinsumPath } from '../src/util/shared-data.js';

const tok = qwen25Tokenizer();
const PAD = tok.padId!;
const records: CaseRecord[] = readDataset([multiclinsumPath('multiclinsum_gs_train_en')])
  .records.sort((a, b) => a.report.length - b.report.length)
  .slice(0, 4)
  .map((r) => ({ ...r, keyinfo: openingOf(r.report) }));
const opts = (gamma: number, target = 24): ExampleOptions => ({ gamma, layout: 'paper', prompts: {}, budgets: { prompt_tokens: 128, target_tokens: target } });
const model = new Qwen2Student(randomQwen2(tinyQwen2Config(TEST_STUDENT), 5, 'float64'));

/** Every parameter's gradient as float64 arrays; clears the gradients. */
function takeGrads(m: TrainableLM): Float64Array[] {
  return m.namedParameters().map(([, p]) => {
    const g = p.grad;
    assert.ok(g !== undefined, 'every parameter gets a gradient');
    const a = g.toFloat64Array();
    g.dispose();
    p.zeroGrad();
    return a;
  });
}

function maxDiff(a: Float64Array[], b: Float64Array[]): number {
  let m = 0;
  a.forEach((x, i) => x.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i]![j]!)))));
  return m;
}

function logitsOf(m: TrainableLM, exs: readonly FormattedExample[]): { logits: Tensor; c: ReturnType<typeof collate> } {
  const c = collate(exs, PAD, 'cpu');
  return { logits: m.forward({ inputIds: c.inputIds, logitsAt: c.logitsAt }), c };
}

/** The definition: γ · mean CE over summary tokens + (1 − γ) · mean CE over extraction tokens, two passes. */
function twoPass(exs: readonly FormattedExample[], gamma: number): { loss: number; sum: number; ext: number } {
  return tidy(() => {
    const s = logitsOf(model, exs.filter((e) => e.task === 'sum'));
    const e = logitsOf(model, exs.filter((x) => x.task === 'ext'));
    const ls = crossEntropy(s.logits, s.c.targets);
    const le = crossEntropy(e.logits, e.c.targets);
    const loss = ls.mul(gamma).add(le.mul(1 - gamma));
    loss.backward();
    return { loss: loss.item(), sum: ls.item(), ext: le.item() };
  });
}

/** clinsum's one pass over the mixed examples, split into micro-batches with step-level weights. */
function onePass(micro: readonly (readonly FormattedExample[])[], gamma: number, reduction: 'mean' | 'sum' = 'mean') {
  const counts = countTokens(micro.flat());
  const w = taskWeights(counts, gamma, reduction);
  let loss = 0;
  const sums = { sum: 0, ext: 0 };
  for (const mb of micro) {
    tidy(() => {
      const { logits, c } = logitsOf(model, mb);
      const r = microBatchLoss(logits, c, w);
      r.loss.backward();
      loss += r.loss.item();
      const s = sumsByTask(r.perToken, c.tasks);
      sums.sum += s.sum;
      sums.ext += s.ext;
    });
  }
  return { loss, logged: combineLosses(sums, counts, gamma, reduction) };
}

test('one pass over a mixed batch equals γ·L_sum + (1−γ)·L_ext of two separate passes — loss, logged parts and gradients', () => {
  const exs = formatAll(records, tok, opts(0.8));
  assert.equal(exs.filter((e) => e.task === 'ext').length, 4);
  const ref = twoPass(exs, 0.8);
  const gRef = takeGrads(model);
  const mixed = onePass([exs], 0.8);
  const g = takeGrads(model);
  assert.ok(Math.abs(mixed.loss - ref.loss) < 1e-6, `${mixed.loss} vs ${ref.loss}`);
  assert.ok(Math.abs(mixed.logged.loss - ref.loss) < 1e-6);
  assert.ok(Math.abs(mixed.logged.loss_sum! - ref.sum) < 1e-6);
  assert.ok(Math.abs(mixed.logged.loss_ext! - ref.ext) < 1e-6);
  assert.ok(maxDiff(g, gRef) < 1e-6, `gradients differ by ${maxDiff(g, gRef)}`);
  assert.ok(maxDiff(g, gRef) < 1e-12, 'in float64 they agree to rounding');
});

test('gradient accumulation over micro-batches gives the gradient of one big batch', () => {
  const exs = formatAll(records, tok, opts(0.8));
  onePass([exs], 0.8);
  const whole = takeGrads(model);
  const r = onePass([exs.slice(0, 3), exs.slice(3, 5), exs.slice(5)], 0.8);
  const acc = takeGrads(model);
  assert.ok(maxDiff(whole, acc) < 1e-12, `accumulated gradients differ by ${maxDiff(whole, acc)}`);
  const ref = twoPass(exs, 0.8);
  takeGrads(model);
  assert.ok(Math.abs(r.loss - ref.loss) < 1e-9, 'the micro-batch losses add up to the step loss');
});

test('γ = 1 is plain fine-tuning: no extraction examples, loss and gradients of the mean CE over summaries', () => {
  const exs = formatAll(records, tok, opts(1));
  assert.ok(exs.every((e) => e.task === 'sum'));
  const plain = tidy(() => {
    const { logits, c } = logitsOf(model, exs);
    const l = crossEntropy(logits, c.targets); // libtorch's fused mean
    l.backward();
    return l.item();
  });
  const gPlain = takeGrads(model);
  const r = onePass([exs], 1);
  const g = takeGrads(model);
  assert.ok(Math.abs(r.loss - plain) < 1e-6);
  assert.equal(r.logged.loss_ext, null);
  assert.ok(maxDiff(g, gPlain) < 1e-12);
});

test('--loss-reduction sum gives the literal token sums; a step without extraction tokens is γ·L_sum', () => {
  const exs = formatAll(records, tok, opts(0.8));
  const ref = tidy(() => {
    const s = logitsOf(model, exs.filter((e) => e.task === 'sum'));
    const e = logitsOf(model, exs.filter((x) => x.task === 'ext'));
    return 0.8 * crossEntropy(s.logits, s.c.targets, { reduction: 'sum' }).item() + 0.2 * crossEntropy(e.logits, e.c.targets, { reduction: 'sum' }).item();
  });
  const r = onePass([exs], 0.8, 'sum');
  takeGrads(model);
  assert.ok(Math.abs(r.loss - ref) < 1e-6);
  assert.ok(Math.abs(r.logged.loss - ref) < 1e-6);

  const onlySum = exs.filter((e) => e.task === 'sum');
  const mean = tidy(() => {
    const s = logitsOf(model, onlySum);
    return crossEntropy(s.logits, s.c.targets).item();
  });
  const r2 = onePass([onlySum], 0.8);
  takeGrads(model);
  assert.ok(Math.abs(r2.loss - 0.8 * mean) < 1e-9);
  assert.deepEqual([r2.logged.loss_ext, Math.abs(r2.logged.loss_sum! - mean) < 1e-9], [null, true]);
});

test('supervised positions are exactly the assistant segments, shifted once, never padding', () => {
  const exs = formatAll(records, tok, opts(0.8, 512));
  const c = collate(exs, PAD, 'cpu');
  try {
    const [B, T] = c.shape;
    assert.equal(B, exs.length);
    const at = c.logitsAt.toNumbers();
    const targets = c.targets.toNumbers();
    const ids = c.inputIds.toNumbers();
    exs.forEach((e, b) => {
      const rows = at.map((p, k) => [p, k] as const).filter(([p]) => Math.floor(p / T) === b);
      const predicted = rows.map(([p]) => (p % T) + 1); // the position each logit predicts
      const expected = Array.from({ length: e.labelCount }, (_, k) => e.assistantStart + k);
      assert.deepEqual(predicted, expected, `example ${b} (${e.task}): targets are the assistant content and its end token`);
      const targetIds = rows.map(([, k]) => targets[k]!);
      assert.deepEqual(targetIds, Array.from(e.inputIds.slice(e.assistantStart, e.assistantStart + e.labelCount)), 'each target is the next input token');
      assert.ok(rows.every(([p]) => (p % T) < e.inputIds.length - 1), 'no logit is taken at padding or at the last token');
      const text = tok.decode(targetIds);
      const target = e.task === 'sum' ? records[Math.floor(b / 2)]!.summary! : records[Math.floor(b / 2)]!.keyinfo!;
      if (!e.truncated.target) assert.equal(text, `${target}<|im_end|>`);
      for (let t = e.inputIds.length; t < T; t++) assert.equal(ids[b * T + t], PAD);
      assert.ok(Array.from(e.labels.slice(0, e.assistantStart)).every((l) => l === IGNORE_INDEX));
    });
    assert.equal(at.length, c.counts.sum + c.counts.ext);
  } finally {
    for (const t of [c.inputIds, c.logitsAt, c.targets]) t.dispose();
  }
});

test('right padding needs no key mask: logits at supervised positions equal those of each example alone', () => {
  const exs = formatAll(records, tok, opts(0.8));
  tidy(() => {
    const batched = logitsOf(model, exs).logits.toFloat64Array();
    const V = model.vocabSize;
    let offset = 0;
    let worst = 0;
    for (const e of exs) {
      const alone = logitsOf(model, [e]).logits.toFloat64Array();
      for (let i = 0; i < alone.length; i++) worst = Math.max(worst, Math.abs(alone[i]! - batched[offset * V + i]!));
      offset += alone.length / V;
    }
    assert.equal(offset * V, batched.length);
    assert.ok(worst < 1e-9, `batched vs alone: ${worst}`);
  });
});

test('activation checkpointing gives the same loss and gradients as the plain backward', () => {
  const exs = formatAll(records, tok, opts(0.8));
  const w = taskWeights(countTokens(exs), 0.8, 'mean');
  const run = (checkpoint: boolean): number =>
    tidy(() => {
      const c = collate(exs, PAD, 'cpu');
      let loss = NaN;
      model.lossAndBackward({ inputIds: c.inputIds, logitsAt: c.logitsAt }, (logits) => {
        const r = microBatchLoss(logits, c, w);
        loss = r.loss.item();
        return r.loss;
      }, { checkpoint });
      return loss;
    });
  const plain = run(false);
  const gPlain = takeGrads(model);
  const ckpt = run(true);
  const gCkpt = takeGrads(model);
  assert.equal(ckpt, plain);
  assert.ok(maxDiff(gCkpt, gPlain) < 1e-12, `${maxDiff(gCkpt, gPlain)}`);
});
