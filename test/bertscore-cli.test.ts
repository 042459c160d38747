/** End to end: `clinsum eval bertscore` and `clinsum eval --bertscore-model` on a tiny model folder. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeRandomEncoder } from '../src/models/bert/testing.js';
import { runCliCaptured, type CliRun } from '../src/surfaces/cli/testing.js';

const dir = mkdtempSync(join(tmpdir(), 'clinsum-bertscore-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const MODEL = join(dir, 'distilbert-base-uncased');
writeRandomEncoder(MODEL, { modelType: 'distilbert', hiddenSize: 32, layers: 6, heads: 4, maxTokens: 24, seed: 11, layerNormStd: 0.2 });

const cli = (...argv: string[]): Promise<CliRun> => runCliCaptured(argv);

function jsonl(name: string, rows: unknown[]): string {
  const p = join(dir, name);
  writeFileSync(p, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return p;
}

const SECRET = 'the patient was admitted with fever and chest pain and treated with antibiotics for 3 days and then had no pain or fever';
const pairs = [
  { id: 'a1', lang: 'en', reference: 'the patient had fever', prediction: 'the patient had fever' },
  { id: 'a2', lang: 'en', reference: 'chest pain', prediction: 'no chest pain' },
  { id: 'a3', lang: 'fr', target: 'cafe', prediction: SECRET },
];

test('eval bertscore --pairs --out --json: per-pair lines, aggregate per language, notes without texts', async () => {
  const out = join(dir, 'scores.jsonl');
  const r = await cli('eval', 'bertscore', '--pairs', jsonl('pairs.jsonl', pairs), '--model', MODEL, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /BERTScore of 3 pairs \(distilbert-base-uncased_L5_no-idf_version=0\.3\.13\(clinsum\)\)/);
  assert.match(r.stdout, /^\| en \| 2 \| BERTScore \|/m);
  assert.match(r.stderr, /1 of 3 predictions \(ids "a3"\) .* longer than 24 tokens/);
  assert.ok(!r.stderr.includes('patient') && !r.stdout.includes('patient'));
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; lang: string; bertscore: { precision: number; recall: number; fmeasure: number } });
  assert.deepEqual(lines.map((l) => [l.id, l.lang]), [['a1', 'en'], ['a2', 'en'], ['a3', 'fr']]);
  assert.ok(Math.abs(lines[0]!.bertscore.fmeasure - 1) < 1e-6);
  assert.ok(lines[1]!.bertscore.fmeasure < 1);

  const j = await cli('eval', 'bertscore', '--pairs', join(dir, 'pairs.jsonl'), '--model', MODEL, '--idf', '--layer', '3', '--json');
  assert.equal(j.code, 0, j.stderr);
  const parsed = JSON.parse(j.stdout) as { metrics: { settings: Record<string, unknown> }[]; table: { rows: { label: string }[] } };
  assert.equal(parsed.metrics[0]!.settings.layer, 3);
  assert.equal(parsed.metrics[0]!.settings.idf, true);
  assert.deepEqual(parsed.table.rows.map((r) => r.label), ['en', 'fr', 'macro avg', 'all pairs']);
});

test('eval bertscore --baseline: every per-pair P, R, F is (x − b)/(1 − b) of the raw score, b from the layer\'s row', async () => {
  const baseline = join(dir, 'baseline.tsv');
  writeFileSync(baseline, 'LAYER,P,R,F\n0,0.1,0.1,0.1\n1,0.1,0.1,0.1\n2,0.2,0.2,0.2\n3,0.6,0.5,0.55\n');
  const raw = join(dir, 'raw.jsonl');
  const scaled = join(dir, 'scaled.jsonl');
  let r = await cli('eval', 'bertscore', '--pairs', jsonl('pairs-b.jsonl', pairs), '--model', MODEL, '--layer', '3', '--out', raw);
  assert.equal(r.code, 0, r.stderr);
  r = await cli('eval', 'bertscore', '--pairs', join(dir, 'pairs-b.jsonl'), '--model', MODEL, '--layer', '3', '--baseline', baseline, '--out', scaled, '--json');
  assert.equal(r.code, 0, r.stderr);
  const settings = (JSON.parse(r.stdout) as { metrics: { settings: Record<string, unknown> }[] }).metrics[0]!.settings;
  assert.equal(settings.baseline, baseline);
  assert.match(String(settings.hash), /_L3_no-idf_.*-rescaled$/);
  type Line = { bertscore: { precision: number; recall: number; fmeasure: number } };
  const read = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Line).bertscore);
  const b = { precision: Math.fround(0.6), recall: Math.fround(0.5), fmeasure: Math.fround(0.55) };
  const rawLines = read(raw);
  read(scaled).forEach((s, i) => {
    for (const k of ['precision', 'recall', 'fmeasure'] as const) {
      const want = (rawLines[i]![k] - b[k]) / (1 - b[k]);
      assert.ok(Math.abs(s[k] - want) < 1e-6, `pair ${i} ${k}: ${s[k]} vs ${want}`);
    }
  });
  r = await cli('eval', 'bertscore', '--pairs', join(dir, 'pairs-b.jsonl'), '--model', MODEL, '--layer', '5', '--baseline', baseline);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /baseline\.tsv.*not for layer 5/);
});

test('eval --pred --ref --bertscore-model: a BERTScore column beside ROUGE, in files and --compare', async () => {
  const ref = jsonl('ref.jsonl', pairs.map((p) => ({ id: p.id, lang: p.lang, summary: p.reference ?? p.target })));
  const a = jsonl('sysA.jsonl', pairs.map((p) => ({ id: p.id, lang: p.lang, prediction: p.prediction })));
  const b = jsonl('sysB.jsonl', pairs.map((p) => ({ id: p.id, lang: p.lang, prediction: 'fever' })));
  const outDir = join(dir, 'eval');
  const r = await cli('eval', '--ref', ref, '--compare', a, b, '--bertscore-model', MODEL, '--batch-size', '2', '--out-dir', outDir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /BERTScore/);
  const sys = JSON.parse(readFileSync(join(outDir, 'sysA.json'), 'utf8')) as { metrics: { name: string }[] };
  assert.deepEqual(sys.metrics.map((m) => m.name), ['rouge', 'bertscore']);
  const line = JSON.parse(readFileSync(join(outDir, 'sysA.scores.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
  assert.ok('bertscore' in line && 'rouge1' in line);
  const cmp = JSON.parse(readFileSync(join(outDir, 'sysA-vs-sysB.json'), 'utf8')) as { rows: { column: string }[] };
  assert.ok(cmp.rows.some((row) => row.column === 'bertscore'));
});

test('bad flags and folders: one clear line', async () => {
  let r = await cli('eval', 'bertscore', '--pairs', join(dir, 'pairs.jsonl'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--model is required/);
  r = await cli('eval', 'bertscore', '--pairs', join(dir, 'pairs.jsonl'), '--model', join(dir, 'nowhere'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--model .*nowhere: no such folder \(pass a BERT, DistilBERT, RoBERTa or XLM-RoBERTa model folder\)/);
  r = await cli('eval', 'bertscore', '--pairs', join(dir, 'pairs.jsonl'), '--model', MODEL, '--layer', '9');
  assert.match(r.stderr, /--layer 9 is not a layer of .*: it has 6 \(0 is the embeddings\); pass --layer 0 to 6/);
  // eval names its own flags.
  r = await cli('eval', '--ref', join(dir, 'ref.jsonl'), '--pred', join(dir, 'sysA.jsonl'), '--bertscore-model', join(dir, 'nowhere'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--bertscore-model .*nowhere: no such folder/);
  r = await cli('eval', '--ref', join(dir, 'ref.jsonl'), '--pred', join(dir, 'sysA.jsonl'), '--bertscore-model', MODEL, '--bertscore-layer', '9');
  assert.match(r.stderr, /--bertscore-layer 9 is not a layer of .*; pass --bertscore-layer 0 to 6/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  r = await cli('eval', 'bertscore', '--pairs', join(dir, 'pairs.jsonl'), '--model', MODEL, '--device', 'tpu');
  assert.match(r.stderr, /--device must be cpu, cuda or cuda:N/);
  r = await cli('eval', '--ref', join(dir, 'ref.jsonl'), '--pred', join(dir, 'sysA.jsonl'), '--idf');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--idf is a BERTScore flag: give --bertscore-model DIR too/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
