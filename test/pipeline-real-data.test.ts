/**
 * `clinsum run` over the real English MultiClinSum gold set with tiny models: the first 20
 * reports (10 / 2 / 8), clinsum's own server over a tiny model as the teacher, a few training
 * steps, four test summaries per system, ROUGE and BERTScore. Real reports are long, so this
 * exercises the budgets and the truncation on real text; the paper's split of the whole folder
 * (473 / 5 / 114) is `data split`'s own test.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { writeRandomEncoder } from '../src/models/bert/testing.js';
import { initTinyQwen2 } from '../src/models/qwen2/index.js';
import { TINY_VOCAB } from '../src/pipeline/demo.js';
import { runPipeline } from '../src/pipeline/pipeline.js';
import { readRunState } from '../src/pipeline/state.js';
import { createLogger } from '../src/util/log.js';
import { multiclinsumPath } from '../src/util/shared-data.js';
import { tempDirs } from '../src/util/testing.js';

/** Temporary folders of this file, removed when its tests end. */
const tempDir = tempDirs();

test('clinsum run over multiclinsum_gs_train_en with tiny models completes', async () => {
  const root = tempDir('clinsum-real-');
  initTinyQwen2(join(root, 'student'), { seed: 3, vocab: TINY_VOCAB });
  initTinyQwen2(join(root, 'teacher'), { seed: 4, vocab: TINY_VOCAB });
  // A random DistilBERT in a folder named like the real one (its tiny WordPiece vocabulary makes
  // most words [UNK]: the scores are meaningless, the wiring is real).
  writeRandomEncoder(join(root, 'distilbert-base-uncased'), { modelType: 'distilbert', hiddenSize: 32, layers: 6, heads: 4, maxTokens: 64, seed: 7 });
  const config = join(root, 'run.yaml');
  writeFileSync(
    config,
    `data:
  paths: ['${multiclinsumPath('multiclinsum_gs_train_en')}']
  limit: 20
split: {ratios: [0.5, 0.1, 0.4]}
teacher:
  serve: {model: teacher}
  max_tokens: 16
  temperature: 1
  seed: 42
  concurrency: 16
student: {model: student}
train:
  max_steps: 3
  budgets: {prompt_tokens: 1024, target_tokens: 64}
  batch: {max_tokens: 4096}
  eval: {every: 3, max_new_tokens: 8}
generate: {max_new_tokens: 16, max_input_tokens: 1024, limit: 4}
eval:
  bootstrap: {samples: 100}
  bertscore: {model: distilbert-base-uncased}
report: {examples: 1}
`,
  );
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => void lines.push(l.trimEnd()) });
  const r = await runPipeline({ configFile: config, out: join(root, 'run'), log, progress: new PassThrough(), env: {} });
  assert.equal(r.result.status, 'complete', lines.join('\n'));
  const run = r.runDir;
  assert.equal(r.report, join(run, 'report.html'));
  const state = readRunState(run);
  assert.deepEqual(Object.keys(state.stages), ['split', 'extract', 'train.standard', 'train.distil', 'generate.standard', 'generate.distil', 'eval', 'report']);
  assert.equal(state.stages.split!.message, 'train/valid/test en 10/2/8 (first 20 per language of 592)');
  assert.match(state.stages.extract!.message!, /^12 of 12 reports answered/);
  // The self-served teacher is recorded by its model folder, not its random port.
  const hosts = new Set(readFileSync(join(run, 'teacher', 'keyinfo.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { teacher: { host: string } }).teacher.host));
  assert.equal(hosts.size, 1);
  assert.match([...hosts][0]!, /^clinsum-serve\/sha256:[0-9a-f]{16}$/);
  for (const s of ['standard', 'distil']) {
    const preds = readFileSync(join(run, 'predictions', `${s}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; lang: string });
    assert.equal(preds.length, 4);
    assert.ok(preds.every((p) => p.lang === 'en' && p.id.startsWith('multiclinsum_gs_en_')));
    assert.ok(existsSync(join(run, 'eval', `${s}.json`)));
  }
  const cmp = JSON.parse(readFileSync(join(run, 'eval', 'distil-vs-standard.json'), 'utf8')) as { pairs: number; rows: { column: string }[] };
  assert.equal(cmp.pairs, 4);
  // BERTScore beside ROUGE, with bert_score's default layer for distilbert-base-uncased (5).
  assert.ok(cmp.rows.some((row) => row.column === 'bertscore'));
  const distil = JSON.parse(readFileSync(join(run, 'eval', 'distil.json'), 'utf8')) as { metrics: { name: string; settings: Record<string, unknown> }[] };
  const bs = distil.metrics.find((m) => m.name === 'bertscore');
  assert.ok(bs !== undefined);
  assert.match(JSON.stringify(bs.settings), /distilbert-base-uncased_L5_no-idf/);
  assert.ok(lines.some((l) => /eval: note: .*4 of 8 references have no prediction/.test(l)), 'generate.limit leaves references out, and says so');
  // No report text in any log line: the longest real report's opening never appears.
  const firstTest = JSON.parse(readFileSync(join(run, 'splits', 'test.jsonl'), 'utf8').split('\n')[0]!) as { report: string };
  assert.ok(!lines.join('\n').includes(firstTest.report.slice(0, 40)));
});
