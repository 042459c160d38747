// generatePredictions and its stop signal: aborted between batches it keeps the finished batches
// (whole rows, fsynced), throws a StoppedError (exit status 130), and a rerun completes the output
// with the rows of an uninterrupted run; aborted before it starts it writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTinyQwen2 } from '../../models/qwen2/index.js';
import { StoppedError } from '../../util/errors.js';
import { generatePredictions, type BatchInfo, type GeneratePredictionsOptions, type PredictionRow } from './predict.js';

const tmp = mkdtempSync(join(tmpdir(), 'clinsum-predict-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const modelDir = join(tmp, 'tiny');
initTinyQwen2(modelDir, { layers: 1, hidden: 32, heads: 4, kvHeads: 2, intermediate: 64, seed: 5, initializerRange: 0.4 });

// Synthetic reports (no patient data).
const SENTENCES = ['A 61-year-old woman presented with fever.', 'Hombre de 40 años con cefalea.', 'Une femme de 52 ans a été admise.'];
const data = join(tmp, 'data.jsonl');
writeFileSync(
  data,
  Array.from({ length: 7 }, (_, i) => JSON.stringify({ id: `c${i}`, lang: ['en', 'es', 'fr'][i % 3], report: SENTENCES[i % 3]!.repeat(1 + (i % 4)) })).join('\n') + '\n',
);

const base = (outPath: string): GeneratePredictionsOptions => ({
  modelDir,
  dataPath: data,
  outPath,
  maxNewTokens: 5,
  batchSize: 2,
  device: 'cpu',
  progress: { silent: true },
});
const readRows = (file: string): PredictionRow[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as PredictionRow);

test('an abort stops after the batch in progress: whole batches kept, StoppedError 130, a rerun completes', async () => {
  const ref = join(tmp, 'ref.jsonl');
  const full = await generatePredictions(base(ref));
  assert.equal(full.written, 7);

  const out = join(tmp, 'stopped.jsonl');
  const ac = new AbortController();
  const batches: BatchInfo[] = [];
  await assert.rejects(
    generatePredictions({
      ...base(out),
      signal: ac.signal,
      onBatch: (b) => {
        batches.push(b);
        if (b.written >= 4) ac.abort();
      },
    }),
    (e: unknown) => {
      assert.ok(e instanceof StoppedError, String(e));
      assert.equal(e.code, 'stopped');
      assert.equal(e.exitCode, 130);
      assert.match(e.message, /^generate: interrupted; .*stopped\.jsonl holds 4 of 7 reports \(4 written by this run\)\. Run the same command again to continue$/);
      return true;
    },
  );
  // the batch during which the signal came was finished; no other one started
  assert.deepEqual(batches, [
    { rows: 2, written: 2, done: 2, total: 7 },
    { rows: 2, written: 4, done: 4, total: 7 },
  ]);
  const partial = readRows(out);
  assert.equal(partial.length, 4);
  assert.ok(readFileSync(out, 'utf8').endsWith('\n'), 'no torn line');
  assert.ok(existsSync(`${out}.settings.json`));
  const byId = new Map(readRows(ref).map((r) => [r.id, r]));
  for (const r of partial) assert.deepEqual(r, byId.get(r.id), r.id);

  // the rerun resumes: the 3 other reports, the rows of the uninterrupted run
  const again = await generatePredictions(base(out));
  assert.deepEqual([again.resumed, again.written, again.total], [4, 3, 7]);
  const rows = readRows(out);
  assert.equal(rows.length, 7);
  assert.equal(new Set(rows.map((r) => r.id)).size, 7);
  for (const r of rows) assert.deepEqual(r, byId.get(r.id), r.id);
});

test('an abort after the last batch is not an interruption; an aborted signal at the start writes nothing', async () => {
  const out = join(tmp, 'last.jsonl');
  const ac = new AbortController();
  const s = await generatePredictions({ ...base(out), signal: ac.signal, onBatch: (b) => void (b.done === b.total && ac.abort()) });
  assert.equal(s.written, 7);
  assert.equal(readRows(out).length, 7);

  const early = join(tmp, 'early.jsonl');
  await assert.rejects(generatePredictions({ ...base(early), signal: AbortSignal.abort() }), (e: unknown) => e instanceof StoppedError && e.exitCode === 130 && /before it started; nothing was written/.test(e.message));
  assert.ok(!existsSync(early) && !existsSync(`${early}.settings.json`));
});
