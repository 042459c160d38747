// generatePredictions and its stop signal: aborted between batches it keeps the finished batches
// (whole rows, fsynced), throws a StoppedError (exit status 130), and a rerun completes the output
// with the rows of an uninterrupted run; aborted before it starts it writes nothing. One writer per
// output (the lock), an id twice refused, and `limit` (raising it continues the output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTinyQwen2 } from '../../models/qwen2/index.js';
import { ConfigError, InputError, StoppedError } from '../../util/errors.js';
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

test('one writer per output: a second run on the same output is refused while the first works, and the output holds each id once', async () => {
  const out = join(tmp, 'twice.jsonl');
  // The first run holds the lock from before its first batch: the second one, started meanwhile, is refused.
  const first = generatePredictions(base(out));
  await assert.rejects(
    generatePredictions(base(out)),
    (e: unknown) => e instanceof ConfigError && e.message === `${out} is being written by another clinsum process (pid ${process.pid}); wait for it to finish, or write to another --out`,
  );
  assert.equal((await first).written, 7);
  assert.ok(!existsSync(`${out}.lock`), 'the lock is released');
  const ids = readRows(out).map((r) => r.id);
  assert.equal(ids.length, 7);
  assert.equal(new Set(ids).size, 7);
  // Once it is done, the next run may resume it (nothing left to do).
  assert.deepEqual([(await generatePredictions(base(out))).written, readRows(out).length], [0, 7]);

  // An output that holds an id twice (two writers before the lock, a hand edit) is refused, naming both lines.
  appendFileSync(out, readFileSync(out, 'utf8').split('\n')[1]! + '\n');
  await assert.rejects(
    generatePredictions(base(out)),
    (e: unknown) => e instanceof InputError && new RegExp(`^${out}:8: field \`id\`: c\\d is there twice \\(also on line 2\\) \\(delete one of the two lines, or write to a new --out\\)$`).test(e.message),
  );
  assert.equal(readRows(out).length, 8, 'left as it was');
});

test('limit: the first N reports of each language; a higher limit continues the output, a lower one is refused', async () => {
  const out = join(tmp, 'limit.jsonl');
  const one = await generatePredictions({ ...base(out), limit: 1 });
  assert.deepEqual([one.total, one.written], [3, 3]);
  assert.deepEqual(readRows(out).map((r) => r.id).sort(), ['c0', 'c1', 'c2']);
  const two = await generatePredictions({ ...base(out), limit: 2 });
  assert.deepEqual([two.total, two.resumed, two.written], [6, 3, 3]);
  assert.deepEqual(readRows(out).map((r) => r.id).sort(), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
  // The rows are those of a run without a limit.
  const ref = join(tmp, 'limit-ref.jsonl');
  await generatePredictions(base(ref));
  const byId = new Map(readRows(ref).map((r) => [r.id, r]));
  for (const r of readRows(out)) assert.deepEqual(r, byId.get(r.id), r.id);
  // Lowering it would leave rows the input no longer has: refused, naming the row and the setting.
  await assert.rejects(generatePredictions({ ...base(out), limit: 1 }), (e: unknown) => e instanceof InputError && /limit\.jsonl:\d+: field `id`: c[345] is past --limit 1, which keeps the first 1 of each language \(raise --limit/.test(e.message));
  await assert.rejects(generatePredictions({ ...base(out), limit: 1, settingNames: { limit: 'generate.limit' } }), /is past generate\.limit 1.*raise generate\.limit/);
  // Without a limit: the rest.
  const all = await generatePredictions(base(out));
  assert.deepEqual([all.total, all.resumed, all.written], [7, 6, 1]);
});
