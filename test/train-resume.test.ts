/**
 * Exact resume: a run stopped after step 4 — an evaluation step, whose evaluation the stop skips
 * and the resume runs — with rows written after its checkpoint (as a crash would leave them) and
 * a half-written checkpoint folder, resumed, gives the same losses, learning rates, gradient
 * norms, evaluations and weights as the uninterrupted run.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStudent, readTrainerState, train, type EvalRow, type TrainRow } from '../src/stages/train/index.js';
import { tinyRunConfig, writeTinyRun } from '../src/stages/train/testing/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'clinsum-train-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = writeTinyRun(dir, { train: 8, valid: 2 });

function config(out: string, lr = 1e-2) {
  return tinyRunConfig(run, { out, 'optimizer.lr': lr, max_steps: 9, 'batch.max_tokens': 600, 'batch.grad_accum': 2, 'eval.every': 4, 'eval.metric': 'loss' });
}

function rows(out: string): (TrainRow | EvalRow)[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TrainRow | EvalRow);
}

const quiet = { loadModel: loadStudent, progress: { silent: true } };

test('resuming after an interruption reproduces the uninterrupted run (losses to 1e-6)', async () => {
  const a = await train(config(join(dir, 'a')), quiet);
  assert.equal(a.status, 'completed');

  const outB = join(dir, 'b');
  const stop = new AbortController();
  const b1 = await train(config(outB), { ...quiet, signal: stop.signal, onStep: (s) => s.step === 4 && stop.abort() });
  assert.equal(b1.status, 'interrupted');
  assert.equal(b1.step, 4);
  const state = readTrainerState(join(outB, 'checkpoints', 'step-000004'));
  assert.equal(state.reason, 'interrupt');
  assert.equal(state.step, 4);
  assert.ok(!readFileSync(join(outB, 'metrics.jsonl'), 'utf8').includes('"eval"'), 'the stop skipped the evaluation of step 4');
  assert.ok(state.epoch > 0 || state.batch > 0);

  // What a crash after the checkpoint leaves: rows of later steps, a torn line, a temporary folder.
  appendFileSync(join(outB, 'metrics.jsonl'), '{"step":5,"epoch":1,"loss":99}\n{"step":6,"eval":{"loss":1}}\n{"step":7,"lo');
  mkdirSync(join(outB, 'checkpoints', '.step-000008.tmp-999'), { recursive: true });

  await assert.rejects(train(config(outB, 2e-2), { ...quiet, resume: true }), /was trained with other settings \(optimizer differ\)/);
  // The source model folder may be gone: the resume reads the model and tokenizer from the checkpoint.
  renameSync(run.model, `${run.model}.moved`);
  const b2 = await train(config(outB), { ...quiet, resume: true }).finally(() => renameSync(`${run.model}.moved`, run.model));
  assert.equal(b2.status, 'completed');
  assert.equal(b2.step, 9);
  assert.ok(!readdirSync(join(outB, 'checkpoints')).some((n) => n.startsWith('.')), 'temporary folders are cleaned up');

  const ra = rows(join(dir, 'a'));
  const rb = rows(outB);
  assert.deepEqual(rb.map((x) => [x.step, 'eval' in x]), ra.map((x) => [x.step, 'eval' in x]), 'the same rows in the same order');
  ra.forEach((x, i) => {
    const y = rb[i]!;
    if ('eval' in x && 'eval' in y) {
      assert.ok(Math.abs(x.eval.loss - y.eval.loss) < 1e-6, `eval loss at step ${x.step}`);
      assert.equal(y.eval.best, x.eval.best);
    } else if (!('eval' in x) && !('eval' in y)) {
      for (const k of ['loss', 'loss_sum', 'loss_ext', 'lr', 'grad_norm'] as const) {
        assert.ok(Math.abs((x[k] ?? 0) - (y[k] ?? 0)) < 1e-6, `${k} at step ${x.step}: ${x[k]} vs ${y[k]}`);
      }
      assert.equal(y.tokens, x.tokens);
      assert.equal(y.epoch, x.epoch);
    }
  });
  assert.ok(readFileSync(join(dir, 'a', 'best', 'model.safetensors')).equals(readFileSync(join(outB, 'best', 'model.safetensors'))), 'the same best/');
  assert.ok(
    readFileSync(join(dir, 'a', 'checkpoints', 'step-000009', 'model.safetensors')).equals(readFileSync(join(outB, 'checkpoints', 'step-000009', 'model.safetensors'))),
    'the same final weights, bit for bit',
  );
  assert.ok(existsSync(join(outB, 'best', 'clinsum-best.json')));
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'config.json']) {
    assert.ok(existsSync(join(outB, 'checkpoints', 'step-000009', f)), `the last checkpoint has ${f}`);
  }
});

test('a resume that would compare evaluation scores of different kinds is refused, naming what changed', async () => {
  const out = join(dir, 'c');
  const stop = new AbortController();
  const c1 = await train(config(out), { ...quiet, signal: stop.signal, onStep: (s) => s.step === 5 && stop.abort() });
  assert.equal(c1.status, 'interrupted');
  assert.equal(readTrainerState(join(out, 'checkpoints', 'step-000005')).best?.metric, 'loss', 'best/ was chosen at step 4');
  const other = (over: Record<string, unknown>) => tinyRunConfig(run, { out, 'optimizer.lr': 1e-2, max_steps: 9, 'batch.max_tokens': 600, 'batch.grad_accum': 2, 'eval.every': 4, 'eval.metric': 'loss', ...over });
  await assert.rejects(train(other({ 'eval.metric': 'rougeLsum' }), { ...quiet, resume: true }), /best\/ was chosen by evaluations with other settings \(metric loss → rougeLsum\)/);
  await assert.rejects(train(other({ 'eval.max_new_tokens': 7 }), { ...quiet, resume: true }), /max_new_tokens \d+ → 7/);
  // How often to evaluate is not part of what a score means.
  const c2 = await train(other({ 'eval.every': 3 }), { ...quiet, resume: true });
  assert.equal(c2.status, 'completed');
});
