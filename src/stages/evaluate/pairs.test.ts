import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { fewAndCount, joinPredictions, readPairsFile, readPredictions, readReferences } from './pairs.js';

const dir = mkdtempSync(join(tmpdir(), 'clinsum-pairs-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(rows: unknown[]): string {
  const p = join(dir, `f${n++}.jsonl`);
  writeFileSync(p, rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n');
  return p;
}

const SECRET = 'Patient with a secret diagnosis';

function throwsInput(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    for (const p of patterns) assert.match(e.message, p);
    assert.ok(!e.message.includes(SECRET), 'error messages never carry texts');
    return true;
  });
}

test('pairs: reference or its alias target; lang defaults to und; integer ids become strings', () => {
  const p = file([
    { id: 'a', reference: 'r1', prediction: 'p1', lang: 'en' },
    { id: 7, target: 'r2', prediction: 'p2' },
    { id: 'c', reference: 'same', target: 'same', prediction: 'p3', scores: { ignored: true } },
  ]);
  assert.deepEqual(readPairsFile(p), [
    { id: 'a', lang: 'en', reference: 'r1', prediction: 'p1' },
    { id: '7', lang: 'und', reference: 'r2', prediction: 'p2' },
    { id: 'c', lang: 'und', reference: 'same', prediction: 'p3' },
  ]);
});

test('pairs: bad lines name file, line and field', () => {
  throwsInput(() => readPairsFile(file([{ id: 'a', prediction: SECRET }])), /f\d+\.jsonl:1: field `reference`/, /needs `reference`/);
  throwsInput(() => readPairsFile(file([{ id: 'a', reference: 'x', target: SECRET, prediction: 'p' }])), /:1: field `target`/, /differ/);
  throwsInput(() => readPairsFile(file([{ id: 'a', reference: 'x', prediction: 'p' }, '{not json'])), /:2: is not valid JSON/);
  throwsInput(() => readPairsFile(file([{ id: '', reference: 'x', prediction: 'p' }])), /field `id`/);
  throwsInput(() => readPairsFile(file([{ id: 1.5, reference: 'x', prediction: 'p' }])), /field `id`/);
  throwsInput(() => readPairsFile(file([])), /has no pairs/);
  throwsInput(() => readPairsFile(join(dir, 'nope.jsonl')), /does not exist/);
});

test('duplicate ids: named with their lines, a few then a count', () => {
  const rows = Array.from({ length: 16 }, (_, i) => ({ id: `d${i % 8}`, reference: SECRET, prediction: SECRET }));
  throwsInput(() => readPairsFile(file(rows)), /8 duplicate ids: "d0" on lines 1, 9, "d1" on lines 2, 10, .* and 3 more/);
  // The same id in two languages is fine in a reference file.
  const refs = readReferences(file([{ id: 'x', lang: 'en', summary: 's' }, { id: 'x', lang: 'es', summary: 't' }]));
  assert.equal(refs.length, 2);
  throwsInput(() => readReferences(file([{ id: 'x', lang: 'en', summary: 's' }, { id: 'x', summary: 't' }])), /both with and without a `lang`/);
  throwsInput(() => readPredictions(file([{ id: 'x', prediction: 'a' }, { id: 'x', prediction: 'b' }])), /1 duplicate id: "x" on lines 1, 2/);
});

test('references: summary, or the aliases reference / target / output (the data layer\'s)', () => {
  const refs = readReferences(
    file([
      { id: 1, lang: 'en', summary: 'a', report: 'ignored' },
      { id: 2, lang: 'en', reference: 'b' },
      { id: 3, lang: 'en', target: 'c' },
      { id: 4, lang: 'en', output: 'd' },
    ]),
  );
  assert.deepEqual(refs.map((r) => [r.id, r.reference, r.line]), [['1', 'a', 1], ['2', 'b', 2], ['3', 'c', 3], ['4', 'd', 4]]);
  throwsInput(() => readReferences(file([{ id: 1, lang: 'en', summary: 'a', output: SECRET }])), /given with different texts/);
  throwsInput(() => readReferences(file([{ id: 1, lang: 'en', text: SECRET }])), /needs `summary`/);
});

test('join: by id and lang, in reference order', () => {
  const refs = readReferences(file([
    { id: 'x', lang: 'en', summary: 'ref x en' },
    { id: 'x', lang: 'es', summary: 'ref x es' },
    { id: 'y', lang: 'en', summary: 'ref y' },
  ]));
  const preds = readPredictions(file([
    { id: 'y', lang: 'en', prediction: 'pred y' },
    { id: 'x', lang: 'es', prediction: 'pred x es' },
    { id: 'x', lang: 'en', prediction: 'pred x en' },
  ]));
  const j = joinPredictions(preds, refs, { predictionsFile: 'p.jsonl', referencesFile: 'r.jsonl' });
  assert.deepEqual(j.pairs, [
    { id: 'x', lang: 'en', reference: 'ref x en', prediction: 'pred x en' },
    { id: 'x', lang: 'es', reference: 'ref x es', prediction: 'pred x es' },
    { id: 'y', lang: 'en', reference: 'ref y', prediction: 'pred y' },
  ]);
  // Without lang, an id that exists in several languages is ambiguous.
  const noLang = readPredictions(file([{ id: 'x', prediction: SECRET }]));
  throwsInput(() => joinPredictions(noLang, refs, { predictionsFile: 'p.jsonl', referencesFile: 'r.jsonl' }), /several languages \(en, es\)/);
});

test('join: missing and extra ids fail with both files, a few ids and counts, or are counted with allowMissing', () => {
  const refs = readReferences(file(Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, lang: 'en', summary: SECRET }))));
  const preds = readPredictions(file([
    ...Array.from({ length: 3 }, (_, i) => ({ id: `r${i}`, lang: 'en', prediction: SECRET })),
    { id: 'stray', lang: 'en', prediction: SECRET },
  ]));
  const opts = { predictionsFile: 'pred.jsonl', referencesFile: 'ref.jsonl' };
  throwsInput(
    () => joinPredictions(preds, refs, opts),
    /^pred\.jsonl: does not match ref\.jsonl: 7 of 10 references have no prediction \(ids "r3", "r4", "r5", "r6", "r7" and 2 more\); 1 predictions have no reference in ref\.jsonl \(ids "stray"\)/,
    /--allow-missing/,
  );
  const j = joinPredictions(preds, refs, { ...opts, allowMissing: true });
  assert.equal(j.pairs.length, 3);
  assert.equal(j.referencesWithoutPrediction.length, 7);
  assert.deepEqual(j.predictionsWithoutReference, ['stray']);
  const none = readPredictions(file([{ id: 'zzz', lang: 'en', prediction: 'p' }]));
  throwsInput(() => joinPredictions(none, refs, { ...opts, allowMissing: true }), /no prediction matches an id of ref\.jsonl/);
});

test('join: a prediction in another language than its reference is an error', () => {
  const refs = readReferences(file([{ id: 'a', lang: 'en', summary: 's' }]));
  const preds = readPredictions(file([{ id: 'a', lang: 'fr', prediction: SECRET }]));
  throwsInput(() => joinPredictions(preds, refs, { predictionsFile: 'p', referencesFile: 'r' }), /"a" \(fr here, en in the references\)/);
});

test('fewAndCount', () => {
  assert.equal(fewAndCount(['a', 'b']), 'a, b');
  assert.equal(fewAndCount(['a', 'b', 'c'], 2), 'a, b and 1 more');
});
