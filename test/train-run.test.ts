/**
 * End-to-end training runs in process (tiny student, real reports, real tokenizer): the loss
 * falls, metrics rows have the documented shape, best/ holds the best evaluation, and the
 * number of live tensors does not grow from step to step.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { liveTensorCount } from '../src/engine/index.js';
import { ConfigBuilder, TrainingDivergedError, configToYaml, loadStudent, requireInputs, train, type EvalRow, type TrainRow } from '../src/stages/train/index.js';
import { tinyRunConfig, writeTinyRun } from '../src/stages/train/testing/fixture.js';
import { pipelineTrainHints } from '../src/pipeline/stages/train.js';
import { ConfigError, InputError } from '../src/util/errors.js';
import { createLogger } from '../src/util/log.js';

const dir = mkdtempSync(join(tmpdir(), 'clinsum-train-run-'));
const run = writeTinyRun(dir, { train: 8, valid: 3 });
after(() => rmSync(dir, { recursive: true, force: true }));

function rows(out: string): (TrainRow | EvalRow)[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TrainRow | EvalRow);
}

test('a run: the loss falls, rows have the documented fields, best/ is the best evaluation, no tensor leaks', async () => {
  const out = join(dir, 'a');
  const c = tinyRunConfig(run, { out, 'optimizer.lr': 1e-2, epochs: 6, 'eval.every': 3, 'eval.metric': 'rouge1', 'checkpoint.keep_last': 100 });
  const live: number[] = [];
  const r = await train(c, { loadModel: loadStudent, progress: { silent: true }, onStep: () => live.push(liveTensorCount()) });
  assert.equal(r.status, 'completed');
  assert.equal(r.step, r.totalSteps);
  assert.ok(r.totalSteps >= 12, `${r.totalSteps} steps`);

  const all = rows(out);
  const trainRows = all.filter((x): x is TrainRow => !('eval' in x));
  const evalRows = all.filter((x): x is EvalRow => 'eval' in x);
  assert.deepEqual(trainRows.map((x) => x.step), Array.from({ length: r.totalSteps }, (_, i) => i + 1));
  for (const x of trainRows) {
    assert.deepEqual(Object.keys(x), ['step', 'epoch', 'loss', 'loss_sum', 'loss_ext', 'lr', 'grad_norm', 'tokens', 'tokens_per_s', 'time']);
    assert.ok(Math.abs(x.loss - (0.8 * (x.loss_sum ?? 0) + 0.2 * (x.loss_ext ?? 0))) < 1e-9, 'loss = γ·loss_sum + (1−γ)·loss_ext');
    assert.ok(x.tokens > 0 && x.tokens_per_s > 0 && x.grad_norm > 0);
  }
  const first = trainRows.slice(0, 3).reduce((s, x) => s + x.loss, 0) / 3;
  const last = trainRows.slice(-3).reduce((s, x) => s + x.loss, 0) / 3;
  assert.ok(last < 0.85 * first, `the training loss falls: ${first.toFixed(3)} → ${last.toFixed(3)}`);
  assert.ok(trainRows[trainRows.length - 1]!.epoch === 6);

  // Evaluations every 3 steps and at the end; `best` marks each new strict maximum.
  const expectSteps = [...Array.from({ length: Math.floor(r.totalSteps / 3) }, (_, i) => 3 * (i + 1)), ...(r.totalSteps % 3 === 0 ? [] : [r.totalSteps])];
  assert.deepEqual(evalRows.map((x) => x.step), expectSteps);
  let bestScore = -Infinity;
  let bestStep = -1;
  for (const x of evalRows) {
    assert.deepEqual(Object.keys(x.eval).sort(), ['best', 'examples', 'loss', 'loss_ext', 'loss_sum', 'metric', 'rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'score', 'seconds'].sort());
    assert.equal(x.eval.metric, 'rouge1');
    assert.equal(x.eval.score, x.eval.rouge1);
    assert.equal(x.eval.examples, 3);
    assert.equal(x.eval.loss_ext, null, 'the valid records have no key information');
    assert.equal(x.eval.best, x.eval.score > bestScore, `step ${x.step}`);
    if (x.eval.score > bestScore) {
      bestScore = x.eval.score;
      bestStep = x.step;
    }
  }
  const evalLoss = evalRows.map((x) => x.eval.loss);
  assert.ok(evalLoss[evalLoss.length - 1]! < evalLoss[0]!, 'the valid loss falls');
  const info = JSON.parse(readFileSync(join(out, 'best', 'clinsum-best.json'), 'utf8')) as { step: number; score: number; metric: string };
  assert.deepEqual([info.step, info.score, info.metric], [bestStep, bestScore, 'rouge1']);
  assert.deepEqual(r.best, { step: bestStep, metric: 'rouge1', score: bestScore });
  const ckpt = join(out, 'checkpoints', `step-${String(bestStep).padStart(6, '0')}`);
  assert.ok(readFileSync(join(out, 'best', 'model.safetensors')).equals(readFileSync(join(ckpt, 'model.safetensors'))), 'best/ holds the weights of the best step');
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) assert.ok(existsSync(join(out, 'best', f)), `best/${f}`);
  assert.ok(existsSync(join(ckpt, 'optimizer.safetensors')) && existsSync(join(ckpt, 'trainer-state.json')));
  assert.deepEqual(readdirSync(out).sort(), ['best', 'checkpoints', 'config.yaml', 'metrics.jsonl']);
  assert.match(readFileSync(join(out, 'config.yaml'), 'utf8'), /^gamma: 0\.8$/m);

  // AdamW's moments appear at the first update; from then on the count stays put.
  assert.ok(live.length === r.totalSteps);
  assert.deepEqual(new Set(live.slice(1)).size, 1, `live tensors per step: ${live.join(' ')}`);
});

test('keep-last prunes old checkpoints; a run folder is never reused without --resume', async () => {
  const out = join(dir, 'b');
  const build = () =>
    tinyRunConfig(run, { out, max_steps: 6, 'eval.every': 2, 'checkpoint.keep_last': 2 });
  const r = await train(build(), { loadModel: loadStudent, progress: { silent: true } });
  assert.equal(r.totalSteps, 6, 'max_steps overrides the epochs');
  assert.deepEqual(readdirSync(join(out, 'checkpoints')).sort(), ['step-000004', 'step-000006']);
  await assert.rejects(
    train(build(), { loadModel: loadStudent, progress: { silent: true } }),
    /already holds a training run \(checkpoints up to step 6\); rerun with --resume to continue it, or choose another --out$/,
  );
  // under the pipeline (`hints`), no flags: the same command, or --rerun
  await assert.rejects(
    train(build(), { loadModel: loadStudent, progress: { silent: true }, hints: pipelineTrainHints('distil') }),
    /already holds a training run \(checkpoints up to step 6\); run the same command again to continue it, or start it over with `clinsum run --rerun train\.distil`$/,
  );
});

test('γ < 1 without any key information is a configuration error; γ = 1 trains without it', async () => {
  const out = join(dir, 'c');
  const base = new ConfigBuilder().addFile(run.config).set({ path: 'out', value: out, source: 'test' }).set({ path: 'keyinfo', value: null, source: 'test' }).set({ path: 'max_steps', value: 2, source: 'test' });
  await assert.rejects(
    train(requireInputs(base.build()), { loadModel: loadStudent, progress: { silent: true } }),
    /gamma is 0\.8 but no training record has key information \(no key-information file given\); run the teacher stage \(clinsum extract\) and pass its keyinfo\.jsonl with --keyinfo, or set gamma 1 \(--gamma 1\) for plain fine-tuning$/,
  );
  await assert.rejects(
    train(requireInputs(base.build()), { loadModel: loadStudent, progress: { silent: true }, hints: pipelineTrainHints('distil') }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /; check the extract stage's answers \(the `teacher` section of the run configuration\), or set `train\.systems\.distil\.gamma: 1` for plain fine-tuning$/.test(e.message) &&
      !/--/.test(e.message),
  );
  const r = await train(requireInputs(base.set({ path: 'gamma', value: 1, source: 'test' }).set({ path: 'valid', value: null, source: 'test' }).build()), {
    loadModel: loadStudent,
    progress: { silent: true },
  });
  assert.equal(r.status, 'completed');
  const trainRows = rows(out) as TrainRow[];
  assert.ok(trainRows.every((x) => x.loss_ext === null && x.loss === x.loss_sum));
  assert.ok(!existsSync(join(out, 'best')), 'no valid split, no best/');
});

test('what to do next is worded for the caller: the CLI flags by default, the run configuration under the pipeline', async () => {
  const ckpt = '/runs/x/checkpoints/step-000004';
  assert.match(
    new TrainingDivergedError(5, 'the loss is NaN', ckpt).message,
    /The last good checkpoint is \/runs\/x\/checkpoints\/step-000004: rerun with --resume to replay the same settings from it; to change them \(e\.g\. a lower lr\), start a new --out with --model \/runs\/x\/checkpoints\/step-000004$/,
  );
  const piped = new TrainingDivergedError(5, 'the loss is NaN', ckpt, pipelineTrainHints('standard')).message;
  assert.match(
    piped,
    /: run the same command again to replay the same settings from it; to change them \(e\.g\. a lower lr\), set them under `train` \(or `train\.systems\.standard`\) in the run configuration: the stage then trains again from the student$/,
  );
  assert.doesNotMatch(piped, /--/);

  // The interrupted line: stopped after the first step, once per wording.
  for (const [hints, want] of [
    [undefined, /^interrupted: checkpoint .*step-000001 at step 1\/\d+; rerun with --resume to continue$/m],
    [pipelineTrainHints('standard'), /^interrupted: checkpoint .*step-000001 at step 1\/\d+; run the same command again to continue$/m],
  ] as const) {
    const out = join(dir, hints === undefined ? 'int-cli' : 'int-pipeline');
    const ac = new AbortController();
    const lines: string[] = [];
    const config = tinyRunConfig(run, { out, valid: null });
    const r = await train(config, {
      loadModel: loadStudent,
      progress: { silent: true },
      signal: ac.signal,
      onStep: () => ac.abort(),
      logger: createLogger({ level: 'info', write: (l) => void lines.push(l) }),
      hints,
    });
    assert.equal(r.status, 'interrupted');
    assert.match(lines.join(''), want);
  }
});

test('OUT must be new, empty or a run of clinsum train, with or without --resume; nothing is written into another folder', async () => {
  const foreign: Record<string, Record<string, string>> = {
    'run-root': { 'config.yaml': 'run: {dir: .}\nteacher: {model: m}\n' },
    'model-folder': { 'config.json': '{}', 'model.safetensors': 'x' },
    'best-only': { 'best/model.safetensors': 'x' },
  };
  for (const [name, files] of Object.entries(foreign)) {
    const out = join(dir, `foreign-${name}`);
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(out, f)), { recursive: true });
      writeFileSync(join(out, f), text);
    }
    const before = snapshot(out);
    for (const resume of [false, true]) {
      await assert.rejects(
        train(tinyRunConfig(run, { out, max_steps: 1, valid: null }), { loadModel: loadStudent, progress: { silent: true }, resume }),
        (e: unknown) => e instanceof InputError && e.message.startsWith(`${out}: is not a clinsum training run folder: it holds `) && e.message.endsWith('(choose a new or empty folder)'),
      );
      assert.deepEqual(snapshot(out), before, `${name}: nothing written (resume ${resume})`);
    }
  }
  const file = join(dir, 'afile');
  writeFileSync(file, 'x');
  await assert.rejects(train(tinyRunConfig(run, { out: file, max_steps: 1 }), { loadModel: loadStudent, progress: { silent: true } }), /afile: is a file, not a run folder \(choose a new or empty folder\)$/);

  // --resume on an empty or a missing folder, or on a run killed before its first checkpoint: a warning, step 0.
  const killedEarly = join(dir, 'killed-early');
  mkdirSync(killedEarly);
  writeFileSync(join(killedEarly, 'config.yaml'), configToYaml(tinyRunConfig(run, { out: killedEarly })));
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  for (const out of [empty, join(dir, 'missing'), killedEarly]) {
    const lines: string[] = [];
    const r = await train(tinyRunConfig(run, { out, max_steps: 1, valid: null }), {
      loadModel: loadStudent,
      progress: { silent: true },
      resume: true,
      logger: createLogger({ level: 'warn', write: (l) => void lines.push(l) }),
    });
    assert.deepEqual([r.status, r.step], ['completed', 1]);
    assert.match(lines.join(''), /^warning: no checkpoint to resume from in .*checkpoints; starting from step 0$/m);
  }
});

test('a run whose inputs fail validation creates no OUT folder', async () => {
  const out = join(dir, 'never');
  for (const bad of [{ train: join(dir, 'no-such-train.jsonl') }, { valid: join(dir, 'no-such-valid.jsonl') }, { keyinfo: join(dir, 'no-such-keyinfo.jsonl') }, { model: join(dir, 'no-such-model') }]) {
    await assert.rejects(train(tinyRunConfig(run, { out, max_steps: 1, ...bad }), { loadModel: loadStudent, progress: { silent: true } }), InputError);
    assert.ok(!existsSync(out), `${Object.keys(bad)[0]}: no folder left behind`);
  }
});

test('key information that is null for every record says so, not that the ids are missing', async () => {
  const keyinfo = join(dir, 'null-keyinfo.jsonl');
  writeFileSync(keyinfo, run.records.train.map((r) => JSON.stringify({ id: r.id, lang: r.lang, keyinfo: null })).join('\n') + '\n');
  await assert.rejects(
    train(tinyRunConfig(run, { out: join(dir, 'null-keyinfo'), keyinfo, max_steps: 1 }), { loadModel: loadStudent, progress: { silent: true } }),
    new RegExp(`no training record has key information \\(all ${run.records.train.length} of .*train\\.jsonl's ids are in .*null-keyinfo\\.jsonl, with no key information \\(null or empty\\)\\); `),
  );
});

/** Every path under `dir` with its content (files) or '/' (folders). */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        out[p] = '/';
        walk(p);
      } else out[p] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

test('the evaluation line names the valid loss once when it is the metric', async () => {
  const lines: string[] = [];
  for (const metric of ['loss', 'rouge1']) {
    await train(tinyRunConfig(run, { out: join(dir, `eval-line-${metric}`), max_steps: 1, 'eval.metric': metric }), {
      loadModel: loadStudent,
      progress: { silent: true },
      logger: createLogger({ level: 'info', write: (l) => void lines.push(l) }),
    });
  }
  const evals = lines.filter((l) => l.startsWith('eval at'));
  assert.equal(evals.length, 2, lines.join(''));
  assert.match(evals[0]!, /^eval at step 1: loss \d+\.\d{4} \(best\)\n$/);
  assert.match(evals[1]!, /^eval at step 1: rouge1 \d\.\d{4} \(best\), loss \d+\.\d{4}\n$/);
});
