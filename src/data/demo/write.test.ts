import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, InputError } from '../../util/errors.js';
import { sha256 } from '../../util/hash.js';
import { readDataset } from '../read.js';
import { generateDemoDataset } from './generate.js';
import { DEMO_JSONL_NAME, writeDemoDataset, type WriteDemoOptions } from './write.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'clinsum-demo-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('jsonl layout: one {id, lang, report, summary} a line, read back by readDataset unchanged', (t) => {
  const d = tempDir(t);
  const result = writeDemoDataset(d);
  assert.deepEqual(result, { layout: 'jsonl', seed: 42, perLanguage: 24, counts: { en: 24, es: 24, fr: 24, pt: 24 }, paths: [join(d, DEMO_JSONL_NAME)], files: 1 });
  const text = readFileSync(result.paths[0]!, 'utf8');
  // The same bytes as the golden hash in generate.test.ts.
  assert.equal(sha256(text), '3fb1704bd50e18d8e25e3eb1886a6947d0b75e054c50818717dca686242205dd');
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.equal(lines.length, 96);
  assert.deepEqual(Object.keys(JSON.parse(lines[0]!) as object), ['id', 'lang', 'report', 'summary']);

  const skipped: unknown[] = [];
  const ds = readDataset(result.paths, { onSkip: (s) => skipped.push(s) });
  assert.deepEqual(skipped, []);
  const expected = generateDemoDataset();
  assert.deepEqual(
    ds.records.map((r) => [r.id, r.lang, r.report, r.summary, r.keyinfo]),
    expected.map((r) => [r.id, r.lang, r.report, r.summary, undefined]),
  );
  assert.equal(ds.records[30]!.source.line, 31);
});

test('multiclinsum layout: the release folders, read back by readDataset with the file-name ids', (t) => {
  const d = tempDir(t);
  const result = writeDemoDataset(d, { layout: 'multiclinsum', perLanguage: 12, seed: 3 });
  const folders = ['en', 'es', 'fr', 'pt'].map((l) => join(d, `multiclinsum_gs_train_${l}`));
  assert.deepEqual(result.paths, folders);
  assert.equal(result.files, 96);
  const fr = join(d, 'multiclinsum_gs_train_fr');
  assert.deepEqual(readdirSync(fr).sort(), ['fulltext', 'summaries']);
  assert.equal(readdirSync(join(fr, 'fulltext')).length, 12);
  assert.ok(readdirSync(join(fr, 'summaries')).includes('multiclinsum_gs_fr_12_sum.txt'));

  const generated = generateDemoDataset({ perLanguage: 12, seed: 3 });
  const file = readFileSync(join(fr, 'fulltext', 'multiclinsum_gs_fr_7.txt'), 'utf8');
  assert.equal(file, `${generated.find((r) => r.id === 'demo_fr_007')!.report}\n`);

  const ds = readDataset(result.paths);
  assert.deepEqual(ds.skipped, []);
  assert.equal(ds.records.length, 48);
  // Ids come from the file names; order is by language, then case number.
  assert.deepEqual(
    ds.records.map((r) => [r.id, r.lang, r.report, r.summary]),
    generated.map((r) => [`multiclinsum_gs_${r.lang}_${Number(r.id.slice(-3))}`, r.lang, r.report, r.summary]),
  );
  // The folder hashes (what splits and runs record) are the same for another write of the same options.
  const again = writeDemoDataset(join(d, 'again'), { layout: 'multiclinsum', perLanguage: 12, seed: 3 });
  assert.deepEqual(readDataset(again.paths).sources.map((s) => s.sha256), ds.sources.map((s) => s.sha256));
});

test('writing again into the same folder gives the same bytes; a folder with other files is refused', (t) => {
  const d = tempDir(t);
  writeDemoDataset(d, { layout: 'multiclinsum', perLanguage: 4, langs: ['es'] });
  const path = join(d, 'multiclinsum_gs_train_es', 'summaries', 'multiclinsum_gs_es_2_sum.txt');
  const before = readFileSync(path);
  writeDemoDataset(d, { layout: 'multiclinsum', perLanguage: 4, langs: ['es'] });
  assert.ok(readFileSync(path).equals(before));
  // Fewer records would leave stale files behind: refused, nothing deleted.
  assert.throws(
    () => writeDemoDataset(d, { layout: 'multiclinsum', perLanguage: 3, langs: ['es'] }),
    (e: unknown) => e instanceof InputError && /fulltext: already holds 1 file\(s\) this demo would not write \(first: multiclinsum_gs_es_4\.txt\)/.test(e.message),
  );
  assert.equal(readdirSync(join(d, 'multiclinsum_gs_train_es', 'fulltext')).length, 4);
  // Someone else's data in the folder.
  mkdirSync(join(d, 'other', 'multiclinsum_gs_train_en', 'summaries'), { recursive: true });
  writeFileSync(join(d, 'other', 'multiclinsum_gs_train_en', 'summaries', 'multiclinsum_gs_en_900_sum.txt'), 'x');
  assert.throws(() => writeDemoDataset(join(d, 'other'), { layout: 'multiclinsum', langs: ['en'] }), /summaries: already holds 1 file/);
});

test('the output folder must be a folder; a bad layout is an error', (t) => {
  const d = tempDir(t);
  writeFileSync(join(d, 'file'), 'x');
  assert.throws(() => writeDemoDataset(join(d, 'file')), (e: unknown) => e instanceof InputError && /file: is a file, not a folder/.test(e.message));
  // A layout from untyped input (a config file) is checked at run time too.
  const fromConfig = JSON.parse('{"layout": "xml"}') as WriteDemoOptions;
  assert.throws(() => writeDemoDataset(d, fromConfig), (e: unknown) => e instanceof ConfigError && /unknown demo layout "xml"/.test(e.message));
});
