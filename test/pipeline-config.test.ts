/** configs/paper.yaml is a valid run configuration holding the paper's settings (DESIGN.md). */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { test } from 'node:test';
import { preparePipeline } from '../src/pipeline/pipeline.js';
import { runCliCaptured } from '../src/surfaces/cli/testing.js';
import { repoRoot } from '../src/util/shared-data.js';
import { tempDirs } from '../src/util/testing.js';

/** Temporary folders of this file, removed when its tests end. */
const tempDir = tempDirs();

const PAPER = join(repoRoot(), 'configs', 'paper.yaml');
// The data folders need only exist for the configuration to be prepared.
const DATA = tempDir('clinsum-mcs-');
for (const l of ['en', 'es', 'fr', 'pt']) mkdirSync(join(DATA, `multiclinsum_gs_train_${l}`));
const ENV = { TEACHER_BASE_URL: 'http://gpu7:8000/v1', TEACHER_API_KEY: 'k', MULTICLINSUM_DIR: DATA };

test('configs/paper.yaml validates and holds the paper settings', () => {
  const p = preparePipeline({ configFile: PAPER, env: ENV });
  const c = p.config;
  assert.equal(p.runDir, join(repoRoot(), 'runs', 'paper'));
  assert.deepEqual(c.data.paths, ['en', 'es', 'fr', 'pt'].map((l) => join(DATA, `multiclinsum_gs_train_${l}`)));
  assert.deepEqual(c.split, { seed: 42, ratios: [0.8, 0.01, 0.19] });
  const en = 'Extract the key information from clinical text';
  assert.deepEqual(c.prompts, { extraction: { en, es: en, fr: en, pt: en } }, "the paper's English extraction prompt for every language, teacher and student alike");
  assert.equal(c.teacher?.base_url, 'http://gpu7:8000/v1');
  assert.equal(c.teacher?.model, 'Qwen/Qwen2.5-72B-Instruct');
  assert.equal(c.teacher?.api_key_env, 'TEACHER_API_KEY');
  assert.equal(c.teacher?.temperature, 0);
  assert.equal(c.teacher?.lang_prompts, false);
  assert.deepEqual(c.student, { model: null, hub: 'Qwen/Qwen2.5-0.5B-Instruct', revision: 'main' });
  const t = c.train as unknown as Record<string, unknown> & { optimizer: Record<string, unknown>; schedule: Record<string, unknown>; budgets: Record<string, unknown>; eval: Record<string, unknown> };
  assert.equal(t.epochs, 3);
  assert.equal(t.seed, 42);
  assert.equal(t.optimizer.lr, 1e-5);
  assert.equal(t.optimizer.weight_decay, 0.01);
  assert.equal(t.schedule.kind, 'cosine');
  assert.equal(t.schedule.warmup_ratio, 0.03);
  assert.deepEqual(t.budgets, { prompt_tokens: 2566, target_tokens: 512 });
  assert.equal(t.eval.every, 250);
  assert.equal(t.precision, 'auto');
  assert.deepEqual(c.train.systems, { standard: { gamma: 1 }, distil: { gamma: 0.8 } });
  assert.equal(c.generate.max_new_tokens, 1024);
  assert.equal(c.generate.max_input_tokens, 16384);
  assert.equal(c.eval.stemmer, true);
  assert.deepEqual(c.eval.bertscore && { hub: c.eval.bertscore.hub, layer: c.eval.bertscore.layer, idf: c.eval.bertscore.idf }, { hub: 'distilbert/distilbert-base-uncased', layer: 5, idf: false });
  assert.deepEqual(p.stages.map((s) => s.name).slice(0, 2), ['pull.student', 'split']);
  assert.ok(p.stages.some((s) => s.name === 'pull.bertscore'));
});

test('configs/paper.yaml without TEACHER_BASE_URL or the data: the error names the line and what is missing', () => {
  assert.throws(() => preparePipeline({ configFile: PAPER, env: {} }), /paper\.yaml:\d+: field `teacher\.base_url`: the environment variable TEACHER_BASE_URL is not set/);
  assert.throws(
    () => preparePipeline({ configFile: PAPER, env: { ...ENV, MULTICLINSUM_DIR: join(DATA, 'nope') } }),
    /paper\.yaml:\d+: field `data\.paths\[0\]`: .*nope\/multiclinsum_gs_train_en does not exist \(check the path; relative paths are relative to the configuration file\)/,
  );
});

test('a bad training setting is reported at its line, with the setting it resembles', () => {
  const dir = tempDir('clinsum-paper-');
  const paper = readFileSync(PAPER, 'utf8');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, paper.replace('    lr: 1.0e-5', '    lr: fast'));
  const lrLine = paper.split('\n').findIndex((l) => l === '    lr: 1.0e-5') + 1;
  assert.throws(() => preparePipeline({ configFile: bad, env: ENV }), new RegExp(`training config: field \`optimizer\\.lr\`: .*\\(set by .*bad\\.yaml:${lrLine}\\)`));
  writeFileSync(bad, paper.replace('  max_steps: null', '  max_step: null'));
  const stepsLine = paper.split('\n').findIndex((l) => l === '  max_steps: null') + 1;
  assert.throws(() => preparePipeline({ configFile: bad, env: ENV }), new RegExp(`bad\\.yaml:${stepsLine}: \`max_step\` is not a training setting \\(did you mean \`max_steps\`\\?\\)`));
  writeFileSync(bad, paper.replace('    distil: {gamma: 0.8}          # L = 0.8 L_sum + 0.2 L_ext', '    distil: {gamma: 1.8}'));
  assert.throws(() => preparePipeline({ configFile: bad, env: ENV }), /field `gamma`: .*\(set by .*bad\.yaml:\d+\)/);
});

test('the resolved configuration fills in the trainer\'s defaults, and a teacher is needed only for γ < 1', () => {
  const p = preparePipeline({ configFile: PAPER, env: ENV });
  const resolved = YAML.parse(p.configYaml) as { train: Record<string, unknown> & { optimizer: Record<string, unknown>; batch: Record<string, unknown> } };
  assert.equal(resolved.train.loss_reduction, 'mean');
  assert.deepEqual(resolved.train.optimizer.betas, [0.9, 0.999]);
  assert.equal(resolved.train.batch.max_tokens, 8192);
  assert.equal(resolved.train.model, undefined, 'paths are the pipeline\'s, per system');
  assert.match(p.configYaml, /^# clinsum run: the resolved configuration/);
  const dir = tempDir('clinsum-paper-');
  const noTeacher = join(dir, 'no-teacher.yaml');
  writeFileSync(join(dir, 'a.jsonl'), '');
  mkdirSync(join(dir, 's'));
  writeFileSync(noTeacher, 'data: {paths: [a.jsonl]}\nstudent: {model: s}\ntrain: {systems: {standard: {gamma: 1}, distil: {gamma: 0.5}}}\n');
  assert.throws(() => preparePipeline({ configFile: noTeacher, out: dir, env: {} }), /no-teacher\.yaml:1: field `teacher`: is missing: distil \(γ < 1\) learns from the teacher's key information/);
  writeFileSync(noTeacher, 'data: {paths: [a.jsonl]}\nstudent: {model: s}\ntrain: {systems: {standard: {gamma: 1}}}\n');
  assert.deepEqual(preparePipeline({ configFile: noTeacher, out: dir, env: {} }).stages.map((s) => s.name), ['split', 'train.standard', 'generate.standard', 'eval', 'report']);
  writeFileSync(noTeacher, 'data: {paths: [a.jsonl]}\nstudent: {model: s}\ntrain: {systems: {standard: {gamma: 1}}}\neval: {compare: [[standard, other]]}\n');
  assert.throws(() => preparePipeline({ configFile: noTeacher, out: dir, env: {} }), /no-teacher\.yaml:4: field `eval\.compare\[0\]\[1\]`: no system named other \(systems: standard\)/);
});

test('run --plan: an unknown --until/--rerun stage is a usage error, and an unknown key from --set is blamed on the --set', async () => {
  const plan = (...extra: string[]) => runCliCaptured(['run', '--config', PAPER, '--out', join(tempDir('clinsum-plan-'), 'run'), '--plan', ...extra], ENV);
  const ok = await plan('--until', 'split');
  assert.equal(ok.code, 0, ok.stderr);
  for (const flag of ['--until', '--rerun']) {
    const r = await plan(flag, 'bogus');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^clinsum: error: ${flag} bogus: no such stage \\(stages: .*split.*\\)\n$`));
  }
  const set = await plan('--set', 'bogus.x=1');
  assert.equal(set.code, 1);
  assert.match(set.stderr, /^clinsum: error: --set bogus\.x=1: field `bogus`: unknown setting bogus/);
  assert.doesNotMatch(set.stderr, /paper\.yaml/);
  const known = await plan('--set', 'train.bogus=1');
  assert.match(known.stderr, /--set train\.bogus=1/);
});
