/** configs/paper.yaml is a valid run configuration holding the paper's settings (DESIGN.md). */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { preparePipeline } from '../src/pipeline/pipeline.js';
import { repoRoot } from '../src/util/shared-data.js';

const PAPER = join(repoRoot(), 'configs', 'paper.yaml');
const ENV = { TEACHER_BASE_URL: 'http://gpu7:8000/v1', TEACHER_API_KEY: 'k', MULTICLINSUM_DIR: '/data/mcs' };

test('configs/paper.yaml validates and holds the paper settings', () => {
  const p = preparePipeline({ configFile: PAPER, env: ENV });
  const c = p.config;
  assert.equal(p.runDir, join(repoRoot(), 'runs', 'paper'));
  assert.deepEqual(c.data.paths, ['en', 'es', 'fr', 'pt'].map((l) => `/data/mcs/multiclinsum_gs_train_${l}`));
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

test('configs/paper.yaml without TEACHER_BASE_URL: the error names the line and the variable', () => {
  assert.throws(() => preparePipeline({ configFile: PAPER, env: {} }), /paper\.yaml:\d+: field `teacher\.base_url`: the environment variable TEACHER_BASE_URL is not set/);
});
