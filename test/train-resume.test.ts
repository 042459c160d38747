/**
 * Exact resume: a run stopped after step 4 — an evaluation step, whose evaluation the stop skips
 * and the resume runs — with rows written after its checkpoint (as a crash would leave them) and
 * a half-written checkpoint folder, resumed, gives the same losses, learning rates, gradient
 * norms, evaluations and weights as the uninterrupted run.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStudent, readTrainerState, train, type EvalRow, type TrainRow } from '../src/stages/train/index.js';
import { tinyRunConfig, writeTinyRun } from '../src/stages/train/testing/fixture.js';
import { InputError } from '../src/util/errors.js';

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

test('a newest checkpoint that cannot be loaded is reported as damaged, naming the earlier one to fall back to', async () => {
  const base = join(dir, 'damage');
  const cfg = (out: string) => tinyRunConfig(run, { out, max_steps: 4, valid: null, 'checkpoint.every': 1, 'checkpoint.keep_last': 2 });
  const stop = new AbortController();
  const r = await train(cfg(base), { ...quiet, signal: stop.signal, onStep: (s) => s.step === 3 && stop.abort() });
  assert.equal(r.step, 3);
  assert.deepEqual(readdirSync(join(base, 'checkpoints')), ['step-000002', 'step-000003']);
  const state = readTrainerState(join(base, 'checkpoints', 'step-000003'));
  for (const f of ['model.safetensors', 'optimizer.safetensors', 'config.json', 'tokenizer.json']) {
    assert.equal(state.files?.[f], statSync(join(base, 'checkpoints', 'step-000003', f)).size, `the size of ${f} is recorded`);
  }

  const cases: [string, (ck: string) => void, RegExp][] = [
    ['truncated model', (ck) => truncateSync(join(ck, 'model.safetensors'), 100), /model\.safetensors has 100 bytes, \d+ were written/],
    ['deleted model', (ck) => rmSync(join(ck, 'model.safetensors')), /model\.safetensors is missing/],
    ['deleted optimizer', (ck) => rmSync(join(ck, 'optimizer.safetensors')), /optimizer\.safetensors is missing/],
    ['truncated config.json', (ck) => truncateSync(join(ck, 'config.json'), 5), /config\.json has 5 bytes/],
    ['broken trainer state', (ck) => writeFileSync(join(ck, 'trainer-state.json'), '{"format": "clinsum.trainer'), /trainer-state\.json: is not valid JSON/],
    // Checkpoints written before sizes were recorded: the loaders' own errors.
    ['old, truncated model', (ck) => (dropSizes(ck), truncateSync(join(ck, 'model.safetensors'), 100)), /model\.safetensors/],
    ['old, deleted model', (ck) => (dropSizes(ck), rmSync(join(ck, 'model.safetensors'))), /has neither model\.safetensors/],
    ['old, deleted optimizer', (ck) => (dropSizes(ck), rmSync(join(ck, 'optimizer.safetensors'))), /optimizer\.safetensors: does not exist/],
    ['old, truncated config.json', (ck) => (dropSizes(ck), truncateSync(join(ck, 'config.json'), 5)), /config\.json: is not valid JSON/],
  ];
  for (const [name, damage, what] of cases) {
    const out = join(dir, `damage-${name.replace(/\W+/g, '-')}`);
    cpSync(base, out, { recursive: true });
    const ck = join(out, 'checkpoints', 'step-000003');
    damage(ck);
    await assert.rejects(train(cfg(out), { ...quiet, resume: true }), (e: unknown) => {
      assert.ok(e instanceof InputError, name);
      assert.ok(e.message.startsWith(`${ck}: the checkpoint is damaged: `), `${name}: ${e.message}`);
      assert.match(e.message, what, name);
      assert.ok(e.message.endsWith('(delete step-000003 to resume from step-000002)'), `${name}: ${e.message}`);
      assert.ok(!e.message.includes('\n') && !/re-export|point at/.test(e.message), `${name}: ${e.message}`);
      return true;
    });
  }
  // Deleting it, as the message says, resumes from the earlier one.
  const out = join(dir, 'damage-truncated-model');
  rmSync(join(out, 'checkpoints', 'step-000003'), { recursive: true });
  const resumed = await train(cfg(out), { ...quiet, resume: true });
  assert.deepEqual([resumed.status, resumed.step], ['completed', 4]);

  // The only checkpoint damaged: start over.
  const only = join(dir, 'damage-only');
  cpSync(base, only, { recursive: true });
  rmSync(join(only, 'checkpoints', 'step-000002'), { recursive: true });
  truncateSync(join(only, 'checkpoints', 'step-000003', 'optimizer.safetensors'), 10);
  await assert.rejects(train(cfg(only), { ...quiet, resume: true }), /the checkpoint is damaged: optimizer\.safetensors has 10 bytes, \d+ were written \(delete step-000003 to start over from step 0\)$/);
});

function dropSizes(ck: string): void {
  const file = join(ck, 'trainer-state.json');
  const { files: _files, ...rest } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify(rest));
}
