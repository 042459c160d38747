/** End-to-end: `clinsum data stats` and `clinsum data split` on the shared MultiClinSum data. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { multiclinsumPath } from '../src/util/shared-data.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const bin = join(repoRoot, 'bin', 'clinsum');
const data = (name: string) => multiclinsumPath(name);

function clinsum(args: string[]): string {
  return execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CLINSUM_LOG: 'warn' } });
}

test('data stats gives exactly the paper\'s Table 1 English row', () => {
  const text = clinsum(['data', 'stats', data('multiclinsum_gs_train_en')]);
  assert.match(text, /^en\s+592\s+3785\.4 \/ 719 \/ 34071\s+725\.3 \/ 90 \/ 3883$/m);
  const json = JSON.parse(clinsum(['data', 'stats', '--json', data('multiclinsum_gs_train_en')])) as {
    languages: { en: { count: number; report: { mean: number; min: number; max: number }; summary: { mean: number; min: number; max: number } } };
  };
  const en = json.languages.en;
  assert.equal(en.count, 592);
  assert.equal(Math.round(en.report.mean * 10) / 10, 3785.4);
  assert.equal(en.report.min, 719);
  assert.equal(en.report.max, 34071);
  assert.equal(Math.round(en.summary.mean * 10) / 10, 725.3);
  assert.equal(en.summary.min, 90);
  assert.equal(en.summary.max, 3883);
  assert.ok(en.report.mean !== 3785.4, 'JSON keeps full precision');
});

test('data split: 473 / 5 / 114, byte-identical on rerun, manifest with source hashes', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'clinsum-split-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const out = clinsum(['data', 'split', data('multiclinsum_gs_train_en'), '--out', join(d, 'a')]);
  assert.match(out, /en: train 473, valid 5, test 114/);
  clinsum(['data', 'split', data('multiclinsum_gs_train_en'), '--out', join(d, 'b'), '--seed', '42', '--ratios', '0.8,0.01,0.19']);
  for (const f of ['train.jsonl', 'valid.jsonl', 'test.jsonl', 'manifest.json']) {
    assert.ok(readFileSync(join(d, 'a', f)).equals(readFileSync(join(d, 'b', f))), `${f} differs between runs`);
  }
  const rows = (f: string) => readFileSync(join(d, 'a', f), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  assert.equal(rows('train.jsonl').length, 473);
  assert.equal(rows('test.jsonl').length, 114);
  const valid = rows('valid.jsonl');
  // Golden: also computed by an independent Python transcription of the documented algorithm.
  assert.deepEqual(valid.map((r) => r.id), ['multiclinsum_gs_en_388', 'multiclinsum_gs_en_175', 'multiclinsum_gs_en_73', 'multiclinsum_gs_en_332', 'multiclinsum_gs_en_65']);
  assert.deepEqual(Object.keys(valid[0]!), ['id', 'lang', 'report', 'summary']);
  const m = JSON.parse(readFileSync(join(d, 'a', 'manifest.json'), 'utf8')) as { seed: number; counts: unknown; sources: { sha256: string }[] };
  assert.equal(m.seed, 42);
  assert.deepEqual(m.counts, { en: { train: 473, valid: 5, test: 114 } });
  // The folder hash equals `find fulltext summaries -type f | LC_ALL=C sort | xargs sha256sum | sha256sum`.
  assert.equal(m.sources[0]!.sha256, '0a4c0bb2ff3460d93582db92cd0ea864c4eb61b4b64b66d0fe0207df4f387f6a');
  // The split files read back as a dataset (ids from the rows).
  const again = JSON.parse(clinsum(['data', 'stats', '--json', join(d, 'a', 'train.jsonl'), join(d, 'a', 'valid.jsonl'), join(d, 'a', 'test.jsonl')])) as { languages: { en: { count: number } } };
  assert.equal(again.languages.en.count, 592);
});

test('bad input: one line naming the file; --skip-invalid prints what was skipped and goes on', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'clinsum-bad-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const dir = join(d, 'multiclinsum_gs_train_fr');
  mkdirSync(join(dir, 'fulltext'), { recursive: true });
  mkdirSync(join(dir, 'summaries'), { recursive: true });
  for (const n of [1, 2]) writeFileSync(join(dir, 'fulltext', `multiclinsum_gs_fr_${n}.txt`), `Rapport ${n}.`);
  writeFileSync(join(dir, 'summaries', 'multiclinsum_gs_fr_1_sum.txt'), 'Résumé.');
  const r = spawnSync(process.execPath, [bin, 'data', 'split', dir, '--out', join(d, 'o')], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^clinsum: error: .*multiclinsum_gs_fr_2\.txt: has no summary \(expected summaries\/multiclinsum_gs_fr_2_sum\.txt\)/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const s = spawnSync(process.execPath, [bin, 'data', 'split', dir, '--out', join(d, 'o'), '--skip-invalid'], { encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, /clinsum: skipped .*multiclinsum_gs_fr_2\.txt: has no summary/);
  assert.match(s.stderr, /1 item\(s\) skipped/);
  assert.match(s.stdout, /fr: train 0, valid 0, test 1/);
  const u = spawnSync(process.execPath, [bin, 'data', 'split', dir, '--out', join(d, 'o'), '--ratios', '0.5,0.5'], { encoding: 'utf8' });
  assert.equal(u.status, 2);
  assert.match(u.stderr, /--ratios must be three non-negative numbers/);
});
