import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../util/errors.js';
import { readDataset } from './read.js';
import type { Skipped } from './types.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'clinsum-read-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function write(path: string, data: string | Uint8Array): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
  return path;
}

/** A MultiClinSum folder in the gs scheme (lang before n) with cases `ns`. */
function gsFolder(dir: string, lang: string, ns: number[], opts: { summaries?: boolean } = {}): string {
  for (const n of ns) {
    write(join(dir, 'fulltext', `multiclinsum_gs_${lang}_${n}.txt`), `\n  Informe ${n}: paciente con fiebre.\n`);
    if (opts.summaries !== false) write(join(dir, 'summaries', `multiclinsum_gs_${lang}_${n}_sum.txt`), `Resumen ${n}.\n`);
  }
  return dir;
}

function expectInputError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

test('gs scheme: pairs by number in numeric order, strips white space, NFC', (t) => {
  const d = tmp(t);
  const dir = gsFolder(join(d, 'multiclinsum_gs_train_es'), 'es', [10, 2, 1]);
  // A decomposed accent (e + U+0301) becomes the composed é.
  write(join(dir, 'summaries', 'multiclinsum_gs_es_2_sum.txt'), '\t Resumen del caso 2 con acento: cafe\u0301. \r\n');
  const ds = readDataset([dir]);
  assert.deepEqual(ds.records.map((r) => r.id), ['multiclinsum_gs_es_1', 'multiclinsum_gs_es_2', 'multiclinsum_gs_es_10']);
  assert.equal(ds.records[0]!.report, 'Informe 1: paciente con fiebre.');
  assert.equal(ds.records[1]!.summary, 'Resumen del caso 2 con acento: café.');
  assert.equal(ds.records[2]!.lang, 'es');
  assert.deepEqual(ds.records[0]!.source, { file: join(dir, 'fulltext', 'multiclinsum_gs_es_1.txt') });
  assert.equal(ds.sources.length, 1);
  assert.match(ds.sources[0]!.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(ds.skipped, []);
});

test('Windows and old-Mac line ends in .txt files read as Python\'s universal newlines do', (t) => {
  const d = tmp(t);
  const lf = gsFolder(join(d, 'lf'), 'en', [1]);
  const crlf = gsFolder(join(d, 'crlf'), 'en', [1]);
  const body = 'Case 1.\n\nA man, 54, with fever.\nDischarged.';
  write(join(lf, 'fulltext', 'multiclinsum_gs_en_1.txt'), `${body}\n`);
  write(join(crlf, 'fulltext', 'multiclinsum_gs_en_1.txt'), `${body.replace(/\n/g, '\r\n')}\r\n`);
  write(join(crlf, 'summaries', 'multiclinsum_gs_en_1_sum.txt'), 'Resumen 1.\rSecond line.\r');
  const a = readDataset([lf]).records[0]!;
  const b = readDataset([crlf]).records[0]!;
  assert.equal(b.report, a.report);
  assert.equal(b.report.length, body.length);
  assert.equal(b.summary, 'Resumen 1.\nSecond line.');
});

test('test scheme (n before lang) and the nested-folder variant', (t) => {
  const d = tmp(t);
  const a = join(d, 'multiclinsum_test_fr');
  for (const n of [3, 1]) {
    write(join(a, 'fulltext', `multiclinsum_test_${n}_fr.txt`), `Rapport ${n} : fièvre.`);
    write(join(a, 'summaries', `multiclinsum_test_${n}_fr_sum.txt`), `Résumé ${n}.`);
  }
  const b = join(d, 'multiclinsum_large-scale_train_pt');
  const nested = join(b, 'multiclinsum_large-scale_train_pt');
  for (const n of [7, 5]) {
    write(join(nested, 'fulltext', `multiclinsum_ls_pt_${n}.txt`), `Relato ${n}: febre.`);
    write(join(nested, 'summaries', `multiclinsum_ls_pt_${n}_sum.txt`), `Resumo ${n}.`);
  }
  const ds = readDataset([a, b]);
  assert.deepEqual(ds.records.map((r) => [r.id, r.lang]), [
    ['multiclinsum_test_1_fr', 'fr'],
    ['multiclinsum_test_3_fr', 'fr'],
    ['multiclinsum_ls_pt_5', 'pt'],
    ['multiclinsum_ls_pt_7', 'pt'],
  ]);
  assert.equal(ds.records[0]!.summary, 'Résumé 1.');
  assert.deepEqual(ds.sources.map((s) => s.path), [a, b]);
});

test('a folder with only fulltext/ reads when summaries are not required, and fails otherwise', (t) => {
  const d = tmp(t);
  const dir = gsFolder(join(d, 'reports_only'), 'en', [1, 2], { summaries: false });
  const ds = readDataset([dir], { requireSummary: false });
  assert.equal(ds.records.length, 2);
  assert.equal(ds.records[0]!.summary, undefined);
  expectInputError(() => readDataset([dir]), /reports_only: has no summaries\/ folder/);
});

test('JSONL, .jsonl.gz and JSON arrays with field aliases; ids from `id` or file:position', (t) => {
  const d = tmp(t);
  const rows = [
    { id: 'a1', lang: 'es', input: ' Informe uno. ', output: 'Resumen uno.', extra: 1 },
    { text: 'Report two.', summary: 'Summary two.', rationale: 'Key facts.', lang: 'EN' },
    { id: 7, fulltext: 'Rapport sept.', summary: 'Résumé sept.', keyinfo: null, lang: 'fr' },
  ];
  const jsonl = write(join(d, 'train.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\r\n')}\n\n`);
  const gz = write(join(d, 'more_pt.jsonl.gz'), gzipSync(`${JSON.stringify({ report: 'Relato.', summary: 'Resumo.' })}\n`));
  const arr = write(join(d, 'cases.json'), JSON.stringify([{ report: 'R.', summary: 'S.', lang: 'en' }]));
  const ds = readDataset([jsonl, gz, arr]);
  assert.deepEqual(
    ds.records.map((r) => ({ ...r })),
    [
      { id: 'a1', lang: 'es', report: 'Informe uno.', summary: 'Resumen uno.', source: { file: jsonl, line: 1 } },
      { id: 'train:2', lang: 'en', report: 'Report two.', summary: 'Summary two.', keyinfo: 'Key facts.', source: { file: jsonl, line: 2 } },
      { id: '7', lang: 'fr', report: 'Rapport sept.', summary: 'Résumé sept.', source: { file: jsonl, line: 3 } },
      { id: 'more_pt:1', lang: 'pt', report: 'Relato.', summary: 'Resumo.', source: { file: gz, line: 1 } },
      { id: 'cases:1', lang: 'en', report: 'R.', summary: 'S.', source: { file: arr } },
    ],
  );
  assert.equal(ds.sources.length, 3);
});

test('language: from the flag when the input states none, conflicts are errors', (t) => {
  const d = tmp(t);
  const f = write(join(d, 'data.jsonl'), `${JSON.stringify({ report: 'R.', summary: 'S.' })}\n`);
  expectInputError(() => readDataset([f]), /data\.jsonl:1: has no language .*pass --lang/);
  assert.equal(readDataset([f], { lang: 'pt' }).records[0]!.lang, 'pt');
  const g = write(join(d, 'x.jsonl'), `${JSON.stringify({ report: 'R.', summary: 'S.', lang: 'es' })}\n`);
  expectInputError(() => readDataset([g], { lang: 'en' }), /x\.jsonl:1: the row says language es but en was asked for/);
  const dir = gsFolder(join(d, 'f'), 'fr', [1]);
  expectInputError(() => readDataset([dir], { lang: 'en' }), /multiclinsum_gs_fr_1\.txt: the file name says language fr/);
});

test('each bad input is an InputError naming the file; skipInvalid reports it and keeps the rest', (t) => {
  const d = tmp(t);
  const cases: { name: string; make: (dir: string) => string; error: RegExp }[] = [
    {
      name: 'missing summary',
      make: (dir) => {
        rmSync(join(dir, 'summaries', 'multiclinsum_gs_en_2_sum.txt'));
        return join(dir, 'fulltext', 'multiclinsum_gs_en_2.txt');
      },
      error: /multiclinsum_gs_en_2\.txt: has no summary \(expected summaries\/multiclinsum_gs_en_2_sum\.txt\)/,
    },
    {
      name: 'orphan summary',
      make: (dir) => write(join(dir, 'summaries', 'multiclinsum_gs_en_9_sum.txt'), 'S.'),
      error: /multiclinsum_gs_en_9_sum\.txt: has no report/,
    },
    {
      name: 'empty text',
      make: (dir) => write(join(dir, 'summaries', 'multiclinsum_gs_en_2_sum.txt'), ' \n\t\n'),
      error: /multiclinsum_gs_en_2_sum\.txt: is empty/,
    },
    {
      name: 'invalid UTF-8',
      make: (dir) => write(join(dir, 'fulltext', 'multiclinsum_gs_en_2.txt'), Buffer.from([0x66, 0x69, 0xe8, 0x76, 0x72, 0x65])),
      error: /multiclinsum_gs_en_2\.txt: is not valid UTF-8 \(first bad byte at offset 2\)/,
    },
    {
      name: 'BOM',
      make: (dir) => write(join(dir, 'fulltext', 'multiclinsum_gs_en_2.txt'), '\ufeffReport.'),
      error: /multiclinsum_gs_en_2\.txt: starts with a UTF-8 byte-order mark/,
    },
    {
      name: 'binary file',
      make: (dir) => write(join(dir, 'fulltext', 'multiclinsum_gs_en_2.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1])),
      error: /multiclinsum_gs_en_2\.txt: is binary/,
    },
    {
      name: 'unknown language',
      make: (dir) => {
        write(join(dir, 'fulltext', 'multiclinsum_gs_de_2.txt'), 'Bericht.');
        return write(join(dir, 'summaries', 'multiclinsum_gs_de_2_sum.txt'), 'Zusammenfassung.');
      },
      error: /multiclinsum_gs_train_en\/(fulltext|summaries)\/multiclinsum_gs_de_2(_sum)?\.txt: unknown language "de"/,
    },
    {
      name: 'badly named file',
      make: (dir) => write(join(dir, 'fulltext', 'case 2.txt'), 'R.'),
      error: /case 2\.txt: is not named like a MultiClinSum report/,
    },
  ];
  for (const c of cases) {
    const dir = gsFolder(join(d, c.name.replace(/ /g, '_'), 'multiclinsum_gs_train_en'), 'en', [1, 2, 3]);
    const file = c.make(dir);
    expectInputError(() => readDataset([dir]), c.error);
    const seen: Skipped[] = [];
    const ds = readDataset([dir], { skipInvalid: true, onSkip: (s) => seen.push(s) });
    assert.ok(ds.skipped.length >= 1, c.name);
    assert.deepEqual(seen, ds.skipped, c.name);
    assert.ok(ds.skipped.some((s) => c.error.test(s.reason)), `${c.name}: ${JSON.stringify(ds.skipped)}`);
    // The skipped item names the file by its path (the unknown-language case: either of its two files).
    assert.ok(ds.skipped.some((s) => s.file === file || s.file === join(dir, 'fulltext', 'multiclinsum_gs_de_2.txt')), `${c.name}: ${JSON.stringify(ds.skipped)}`);
    const kept = ds.records.map((r) => r.id);
    assert.ok(kept.includes('multiclinsum_gs_en_1') && kept.includes('multiclinsum_gs_en_3'), `${c.name}: kept ${kept.join(',')}`);
  }
});

test('bad JSONL rows: duplicate ids, empty and missing fields, two aliases, bad JSON, BOM; messages quote no text', (t) => {
  const d = tmp(t);
  const secret = 'PATIENT-SECRET';
  const lines = [
    JSON.stringify({ id: 'x', report: `${secret} one`, summary: 'S.' }),
    JSON.stringify({ id: 'x', report: `${secret} two`, summary: 'S.' }),
    JSON.stringify({ id: 'y', report: '   ', summary: 'S.' }),
    JSON.stringify({ id: 'z', report: secret }),
    JSON.stringify({ id: 'w', report: secret, text: secret, summary: 'S.' }),
    `{"id": "v", "report": "${secret} broken`,
    JSON.stringify({ id: 'u', report: secret, summary: 'S.', lang: 'it' }),
    JSON.stringify({ id: 3.5, report: secret, summary: 'S.' }),
    JSON.stringify([secret]),
  ];
  const f = write(join(d, 'rows_en.jsonl'), `${lines.join('\n')}\n`);
  const expected: [number, RegExp][] = [
    [2, /rows_en\.jsonl:2: duplicate id "x" \(first at .*rows_en\.jsonl:1\)/],
    [3, /rows_en\.jsonl:3: field `report`: is empty/],
    [4, /rows_en\.jsonl:4: has no summary/],
    [5, /rows_en\.jsonl:5: has both `report` and `text`/],
    [6, /rows_en\.jsonl:6: is not valid JSON/],
    [7, /rows_en\.jsonl:7: field `lang`: unknown language "it"/],
    [8, /rows_en\.jsonl:8: field `id`/],
    [9, /rows_en\.jsonl:9: /],
  ];
  expectInputError(() => readDataset([f]), expected[0]![1]);
  const ds = readDataset([f], { skipInvalid: true });
  assert.deepEqual(ds.records.map((r) => r.id), ['x']);
  assert.deepEqual(ds.skipped.map((s) => s.line), expected.map(([l]) => l));
  for (const [i, [, re]] of expected.entries()) assert.match(ds.skipped[i]!.reason, re);
  for (const s of ds.skipped) assert.ok(!s.reason.includes(secret), s.reason);

  const bom = write(join(d, 'bom.jsonl'), `\ufeff${lines[0]}\n`);
  expectInputError(() => readDataset([bom], { lang: 'en' }), /bom\.jsonl: starts with a UTF-8 byte-order mark/);
  const bin = write(join(d, 'bin.jsonl.gz'), Buffer.from([1, 2, 3]));
  expectInputError(() => readDataset([bin], { lang: 'en' }), /bin\.jsonl\.gz: is not a valid gzip file/);
  expectInputError(() => readDataset([join(d, 'nope.jsonl')]), /nope\.jsonl: does not exist/);
  expectInputError(() => readDataset([write(join(d, 'a.csv'), 'x')]), /a\.csv: is not a dataset/);
  expectInputError(() => readDataset([d]), /has no fulltext\/ folder/);
  const skipped = readDataset([bom, f], { skipInvalid: true, lang: 'en' });
  assert.equal(skipped.skipped[0]!.file, bom);
  assert.equal(skipped.records.length, 1);
});

test('duplicate ids across inputs name both places', (t) => {
  const d = tmp(t);
  const dir = gsFolder(join(d, 'a'), 'en', [1]);
  const f = write(join(d, 'b.jsonl'), `${JSON.stringify({ id: 'multiclinsum_gs_en_1', report: 'R.', summary: 'S.', lang: 'en' })}\n`);
  expectInputError(() => readDataset([dir, f]), /b\.jsonl:1: duplicate id "multiclinsum_gs_en_1" \(first at .*multiclinsum_gs_en_1\.txt\)/);
});
