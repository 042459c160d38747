import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, InputError } from '../../util/errors.js';
import { ConfigBuilder, parseSetOverride, planHash, requireInputs } from './config.js';
import { PAPER_OPTIMIZER } from './step.js';

test('the defaults file holds the paper\'s settings', () => {
  const c = new ConfigBuilder().build();
  assert.equal(c.gamma, 0.8);
  assert.deepEqual(c.optimizer, { lr: 1e-5, weight_decay: 0.01, betas: [0.9, 0.999], eps: 1e-8, no_decay: ['norm', 'bias'] });
  assert.deepEqual(c.optimizer, PAPER_OPTIMIZER, 'the constant the GPU benchmark uses');
  assert.deepEqual(c.schedule, { kind: 'cosine', warmup_ratio: 0.03, min_lr_ratio: 0 });
  assert.equal(c.max_grad_norm, 1);
  assert.equal(c.epochs, 3);
  assert.equal(c.seed, 42);
  assert.equal(c.eval.every, 250);
  assert.equal(c.eval.metric, 'rougeLsum');
  assert.equal(c.eval.stemmer, true);
  assert.equal(c.loss_reduction, 'mean');
  assert.deepEqual(c.budgets, { prompt_tokens: 2566, target_tokens: 512 });
  assert.throws(() => requireInputs(c), (e: unknown) => e instanceof ConfigError && /`model`, `train`, `out` are not set/.test(e.message));
});

test('${VAR} and ${VAR:-default} in a config file come from the environment, as in clinsum run configs', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'clinsum-cfg-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const f = join(d, 'env.yaml');
  writeFileSync(f, 'model: ${MODELS}/student\ntrain: ${DATA:-data}/train.jsonl\nout: runs/$${literal}\ndevice: ${EMPTY:-cpu}\n');
  const c = requireInputs(new ConfigBuilder().addFile(f, { MODELS: '/models', EMPTY: '' }).build());
  assert.equal(c.model, '/models/student');
  assert.equal(c.train, join(d, 'data/train.jsonl'), 'a default, then resolved against the file\'s folder');
  assert.equal(c.out, join(d, 'runs/${literal}'));
  assert.equal(c.device, 'cpu', 'an empty variable counts as unset');
  writeFileSync(f, 'model: ${NOPE_VAR}/student\n');
  assert.throws(
    () => new ConfigBuilder().addFile(f, {}),
    (e: unknown) => e instanceof InputError && e.location.file === f && e.location.field === 'model' && /NOPE_VAR is not set.*NOPE_VAR:-default/.test(e.message),
  );
  writeFileSync(f, 'eval:\n  metric: ${1bad}\n');
  assert.throws(() => new ConfigBuilder().addFile(f, {}), (e: unknown) => e instanceof InputError && e.location.field === 'eval.metric' && /not a variable reference/.test(e.message));
});

test('a config file overrides the defaults; its relative paths resolve against its folder', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'clinsum-cfg-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const f = join(d, 'my.yaml');
  writeFileSync(f, 'model: models/student\ntrain: /abs/train.jsonl\nout: runs/a\noptimizer:\n  lr: 2.0e-5\neval:\n  metric: avg_r1_r2_rl\n');
  const c = requireInputs(new ConfigBuilder().addFile(f).build());
  assert.equal(c.model, join(d, 'models/student'));
  assert.equal(c.train, '/abs/train.jsonl');
  assert.equal(c.out, join(d, 'runs/a'));
  assert.equal(c.optimizer.lr, 2e-5);
  assert.equal(c.optimizer.weight_decay, 0.01, 'siblings keep their defaults');
  assert.equal(c.eval.metric, 'avg_r1_r2_rl');
  assert.equal(c.eval.every, 250);
});

test('--set parses YAML values and the schema checks their types, naming the field and the source', () => {
  const b = new ConfigBuilder();
  b.set(parseSetOverride('optimizer.lr=3e-5')).set(parseSetOverride('max_steps=100')).set(parseSetOverride('optimizer.betas=[0.9, 0.95]')).set(parseSetOverride('max_grad_norm=null'));
  const c = b.build();
  assert.equal(c.optimizer.lr, 3e-5);
  assert.equal(c.max_steps, 100);
  assert.deepEqual(c.optimizer.betas, [0.9, 0.95]);
  assert.equal(c.max_grad_norm, null);
  assert.throws(
    () => new ConfigBuilder().set(parseSetOverride('optimizer.lr=fast')).build(),
    (e: unknown) => e instanceof ConfigError && /field `optimizer\.lr`: .*number.*\(set by --set optimizer\.lr=fast\)/.test(e.message),
  );
  assert.throws(
    () => new ConfigBuilder().set({ path: 'epochs', value: 1.5, source: '--epochs' }).build(),
    (e: unknown) => e instanceof ConfigError && /field `epochs`.*\(set by --epochs\)/.test(e.message),
  );
  assert.throws(
    () => new ConfigBuilder().set(parseSetOverride('eval.metric=bleu')).build(),
    (e: unknown) => e instanceof ConfigError && /field `eval\.metric`/.test(e.message),
  );
});

test('unknown settings are errors with a suggestion; groups cannot be set to a scalar', (t) => {
  assert.throws(() => new ConfigBuilder().set(parseSetOverride('optimizer.lrr=1')), /--set optimizer\.lrr=1: `optimizer\.lrr` is not a training setting \(did you mean `optimizer\.lr`\?\)/);
  assert.throws(() => new ConfigBuilder().set(parseSetOverride('optimizer=1')), /`optimizer` is a group of settings/);
  assert.throws(() => parseSetOverride('novalue'), /expected key=value/);
  const d = mkdtempSync(join(tmpdir(), 'clinsum-cfg-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const f = join(d, 'bad.yaml');
  writeFileSync(f, 'gama: 0.5\n');
  assert.throws(() => new ConfigBuilder().addFile(f), (e: unknown) => e instanceof ConfigError && e.message.includes(`${f}: \`gama\` is not a training setting (did you mean \`gamma\`?)`));
  writeFileSync(f, 'gamma: 0.5\n  lr: [\n');
  assert.throws(() => new ConfigBuilder().addFile(f), (e: unknown) => e instanceof InputError && e.location.file === f && e.location.line !== undefined);
  writeFileSync(f, 'gamma: 2\n');
  assert.throws(() => new ConfigBuilder().addFile(f).build(), (e: unknown) => e instanceof ConfigError && e.message.includes('field `gamma`') && e.message.includes(`set by ${f}`));
});

test('the plan hash ignores reporting settings and changes with the optimization ones', () => {
  const base = new ConfigBuilder().build();
  const h = planHash(base);
  assert.equal(planHash(new ConfigBuilder().set({ path: 'eval.every', value: 10, source: 't' }).set({ path: 'checkpoint.keep_last', value: 9, source: 't' }).build()), h);
  assert.equal(planHash(new ConfigBuilder().set({ path: 'train', value: '/moved/train.jsonl', source: 't' }).set({ path: 'model', value: '/x', source: 't' }).build()), h, 'paths may move (the data is checked by hash)');
  assert.notEqual(planHash(new ConfigBuilder().set({ path: 'optimizer.lr', value: 2e-5, source: 't' }).build()), h);
  assert.notEqual(planHash(new ConfigBuilder().set({ path: 'batch.max_tokens', value: 4096, source: 't' }).build()), h);
});
