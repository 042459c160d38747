/**
 * Keep-best: the trainer keeps, in OUT/best/, the weights of the evaluation with the best
 * selection score — not the first, not the last. The student really trains (tiny Qwen2, real
 * reports); only its generations at evaluation are scripted (a wrapper around the real model),
 * so the ROUGE scores differ from evaluation to evaluation in a known order: evaluation 2 is the
 * best, 3 the worst, 4 ties 1.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '../src/engine/index.js';
import { loadTokenizer } from '../src/models/tokenizer/index.js';
import { RougeScorer } from '../src/stages/evaluate/index.js';
import { isBetter, loadStudent, train, type EvalRow, type GenerateOptions, type LmBatch, type ModelLoader, type TrainableLM } from '../src/stages/train/index.js';
import { tinyRunConfig, writeTinyRun } from '../src/stages/train/testing/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'clinsum-train-best-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = writeTinyRun(dir, { train: 6, valid: 2 });
const tok = loadTokenizer(run.model);
const refs = run.records.valid.map((r) => r.summary!);

type Answer = 'half' | 'full' | 'none';
/** What each evaluation "generates" for every valid report. */
const SCRIPT: Answer[] = ['half', 'full', 'none', 'half'];

function answer(kind: Answer, ref: string): number[] {
  const words = ref.split(' ');
  if (kind === 'full') return tok.encode(ref);
  if (kind === 'half') return tok.encode(words.slice(0, Math.ceil(words.length / 2)).join(' '));
  return [];
}

/** The real student, with scripted generations (one script entry per evaluation, in order). */
class ScriptedStudent implements TrainableLM {
  evals = 0;
  #next = 0;
  constructor(readonly inner: TrainableLM) {}
  get device() {
    return this.inner.device;
  }
  get vocabSize() {
    return this.inner.vocabSize;
  }
  namedParameters() {
    return this.inner.namedParameters();
  }
  forward(batch: LmBatch): Tensor {
    return this.inner.forward(batch);
  }
  lossAndBackward(batch: LmBatch, lossFn: (logits: Tensor) => Tensor, options: { checkpoint: boolean }): void {
    this.inner.lossAndBackward(batch, lossFn, options);
  }
  setTraining(on: boolean): void {
    if (!on) {
      this.evals++;
      this.#next = 0;
    }
    this.inner.setTraining(on);
  }
  save(d: string): void {
    this.inner.save(d);
  }
  generate(prompts: readonly (readonly number[])[], _options: GenerateOptions): number[][] {
    const kind = SCRIPT[this.evals - 1]!;
    return prompts.map(() => answer(kind, refs[this.#next++]!));
  }
  dispose(): void {
    this.inner.dispose();
  }
}

test('best/ holds the weights of the best evaluation by avg(rouge1, rouge2, rougeL); ties and worse scores keep it', async () => {
  const out = join(dir, 'out');
  let student: ScriptedStudent | undefined;
  const loadModel: ModelLoader = (d, o) => (student = new ScriptedStudent(loadStudent(d, o)));
  const c = tinyRunConfig(run, { out, 'optimizer.lr': 1e-2, max_steps: 8, 'batch.max_tokens': 400, 'eval.every': 2, 'eval.metric': 'avg_r1_r2_rl', 'checkpoint.keep_last': 100 });
  const r = await train(c, { loadModel, progress: { silent: true } });
  assert.equal(r.step, 8);
  assert.equal(student!.evals, 4);

  const evals = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EvalRow | { step: number })
    .filter((x): x is EvalRow => 'eval' in x);
  assert.deepEqual(evals.map((x) => x.step), [2, 4, 6, 8]);
  // The scores the scorer gives the scripted answers (the reference semantics, per language then averaged: one language here).
  const scorer = new RougeScorer({ stemmer: true });
  const expected = SCRIPT.map((kind) => {
    const s = refs.map((ref) => scorer.score(ref, tok.decode(answer(kind, ref)).trim()));
    const mean = (k: 'rouge1' | 'rouge2' | 'rougeL') => s.reduce((a, x) => a + x[k]!.fmeasure, 0) / s.length;
    return (mean('rouge1') + mean('rouge2') + mean('rougeL')) / 3;
  });
  assert.equal(expected[1], 1, 'the full reference scores 1');
  assert.ok(expected[0]! > expected[2]! && expected[0]! < expected[1]!);
  evals.forEach((x, i) => {
    assert.equal(x.eval.metric, 'avg_r1_r2_rl');
    assert.ok(Math.abs(x.eval.score - (x.eval.rouge1 + x.eval.rouge2 + x.eval.rougeL) / 3) < 1e-15, 'the score is the mean of ROUGE-1, -2 and -L F');
    assert.ok(Math.abs(x.eval.score - expected[i]!) < 1e-12, `evaluation ${i + 1}: ${x.eval.score} vs ${expected[i]}`);
  });
  assert.deepEqual(evals.map((x) => x.eval.best), [true, true, false, false]);

  assert.deepEqual(r.best, { step: 4, metric: 'avg_r1_r2_rl', score: 1 });
  const info = JSON.parse(readFileSync(join(out, 'best', 'clinsum-best.json'), 'utf8')) as { step: number; score: number };
  assert.deepEqual([info.step, info.score], [4, 1]);
  const weights = (d: string) => readFileSync(join(d, 'model.safetensors'));
  const best = weights(join(out, 'best'));
  assert.ok(best.equals(weights(join(out, 'checkpoints', 'step-000004'))), 'best/ holds the weights of step 4');
  for (const s of ['000002', '000006', '000008']) assert.ok(!best.equals(weights(join(out, 'checkpoints', `step-${s}`))), `not those of step ${s}`);
});

test('isBetter: strictly higher ROUGE, strictly lower loss; the first evaluation is always the best so far', () => {
  assert.equal(isBetter('rougeLsum', 0.2, 0.1), true);
  assert.equal(isBetter('rougeLsum', 0.1, 0.1), false);
  assert.equal(isBetter('avg_r1_r2_rl', 0.1, 0.2), false);
  assert.equal(isBetter('loss', 1.5, 2), true);
  assert.equal(isBetter('loss', 2, 2), false);
  assert.equal(isBetter('loss', 3, undefined), true);
  assert.equal(isBetter('rouge1', 0, undefined), true);
});
