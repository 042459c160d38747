/** End to end: `clinsum eval rouge` and `clinsum eval` through the CLI dispatcher, on real files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured, type CliRun } from '../src/surfaces/cli/testing.js';
import { goldenPath } from '../src/stages/evaluate/testing.js';

const dir = mkdtempSync(join(tmpdir(), 'clinsum-eval-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...argv: string[]): Promise<CliRun> => runCliCaptured(argv);

function jsonl(name: string, rows: unknown[]): string {
  const p = join(dir, name);
  writeFileSync(p, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return p;
}

interface GoldenRow {
  id: string;
  target: string;
  prediction: string;
  scores: Record<'nostem' | 'stem', Record<string, [number, number, number]>>;
}
const golden = readFileSync(goldenPath('rouge', 'en-real.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as GoldenRow);

test('eval rouge --pairs --stemmer --out: per-pair lines equal the golden numbers; stdout has the aggregate', async () => {
  const out = join(dir, 'scores.jsonl');
  const r = await cli('eval', 'rouge', '--pairs', goldenPath('rouge', 'en-real.jsonl'), '--stemmer', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ROUGE of 600 pairs \(tokenizer reference, stemmer porter/);
  assert.match(r.stdout, /^\| und \| 600 \| RLsum \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+–[\d.]+ \|$/m);
  assert.match(r.stderr, /wrote 600 pair scores/);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 600);
  lines.forEach((line, i) => {
    const g = golden[i]!;
    assert.deepEqual(Object.keys(line), ['id', 'lang', 'rouge1', 'rouge2', 'rougeL', 'rougeLsum']);
    assert.equal(line.id, g.id);
    assert.equal(line.lang, 'und');
    for (const [type, [p, rc, f]] of Object.entries(g.scores.stem)) {
      const s = line[type] as { precision: number; recall: number; fmeasure: number };
      assert.ok(Math.abs(s.precision - p) <= 1e-9 && Math.abs(s.recall - rc) <= 1e-9 && Math.abs(s.fmeasure - f) <= 1e-9, `${g.id} ${type}`);
    }
  });
});

test('eval rouge --json: the aggregate as JSON, with the exact means', async () => {
  const r = await cli('eval', 'rouge', '--pairs', goldenPath('rouge', 'en-real.jsonl'), '--json', '--samples', '200');
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as {
    pairs: number;
    table: { rows: { label: string; scores: Record<string, { fmeasure: { mean: number; low: number; high: number } }> }[]; bootstrap: { samples: number } };
  };
  assert.equal(res.pairs, 600);
  assert.equal(res.table.bootstrap.samples, 200);
  const want = golden.reduce((s, g) => s + g.scores.nostem.rouge2[2], 0) / golden.length;
  const f = res.table.rows[0]!.scores.rouge2!.fmeasure;
  assert.ok(Math.abs(f.mean - want) < 1e-12);
  assert.ok(f.low < f.mean && f.mean < f.high);
});

test('eval rouge --tokenizer unicode --stemmer: per-language Snowball, flagged as not comparable', async () => {
  const pairs = jsonl('multi.jsonl', [
    { id: 'e1', lang: 'es', reference: 'Paciente con fiebre y neumonía.', prediction: 'Pacientes con fiebres y neumonía.' },
    { id: 'f1', lang: 'fr', reference: 'Fièvre élevée et douleur thoracique.', prediction: 'Douleur thoracique, fièvre.' },
    { id: 'r1', lang: 'ru', reference: 'Пациент с лихорадкой', prediction: 'Пациент с лихорадкой' },
  ]);
  const r = await cli('eval', 'rouge', '--pairs', pairs, '--tokenizer', 'unicode', '--stemmer');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /tokenizer unicode, stemmer snowball/);
  assert.match(r.stdout, /^\| es \| 1 \| R1 \(unicode\) \| 100\.00 \| 100\.00 \| 100\.00 \|/m);
  assert.match(r.stdout, /^\| ru \| 1 \| R1 \(unicode\) \| 100\.00 \|/m);
  assert.match(r.stdout, /Not comparable with numbers from the official rouge-score/);
  assert.match(r.stderr, /no Snowball stemmer for language "ru"/);
});

const refs = Array.from({ length: 12 }, (_, i) => ({
  id: `case-${i}`,
  lang: i < 8 ? 'en' : 'es',
  summary: golden[i * 5]!.target,
}));

test('eval --pred --ref --out-dir: Table-4-like Markdown and JSON, per-pair scores', async () => {
  const ref = jsonl('test.jsonl', refs);
  const pred = jsonl('student.jsonl', refs.map((r, i) => ({ id: r.id, lang: r.lang, prediction: golden[i * 5]!.prediction })));
  const out = join(dir, 'eval');
  const r = await cli('eval', '--pred', pred, '--ref', ref, '--out-dir', out, '--stemmer');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['student.json', 'student.md', 'student.scores.jsonl']);
  const md = readFileSync(join(out, 'student.md'), 'utf8');
  assert.equal(r.stdout, md);
  assert.match(md, /^\| Language \| Pairs \| R1 \| R2 \| RL \| RLsum \|$/m);
  assert.match(md, /^\| en \| 8 \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \|$/m);
  assert.match(md, /^\| \*macro avg\* \| 12 \|/m);
  const res = JSON.parse(readFileSync(join(out, 'student.json'), 'utf8')) as {
    name: string;
    pairs: number;
    table: { rows: { label: string; scores: Record<string, { fmeasure: { mean: number } }> }[] };
  };
  assert.equal(res.name, 'student');
  assert.equal(res.pairs, 12);
  const en = res.table.rows.find((x) => x.label === 'en')!;
  const want = [0, 1, 2, 3, 4, 5, 6, 7].reduce((s, i) => s + golden[i * 5]!.scores.stem.rougeLsum[2], 0) / 8;
  assert.ok(Math.abs(en.scores.rougeLsum!.fmeasure.mean - want) < 1e-12);
  const lines = readFileSync(join(out, 'student.scores.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 12);
  assert.deepEqual(Object.keys(JSON.parse(lines[0]!) as object), ['id', 'lang', 'rouge1', 'rouge2', 'rougeL', 'rougeLsum']);
});

test('eval --tokenizer both: reference and unicode columns side by side', async () => {
  const ref = jsonl('both-ref.jsonl', refs);
  const pred = jsonl('both-pred.jsonl', refs.map((r) => ({ id: r.id, lang: r.lang, prediction: r.summary })));
  const r = await cli('eval', '--pred', pred, '--ref', ref, '--tokenizer', 'both');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\| Language \| Pairs \| R1 \| R2 \| RL \| RLsum \| R1 \(unicode\) \| R2 \(unicode\) \| RL \(unicode\) \| RLsum \(unicode\) \|$/m);
  assert.match(r.stdout, /^\| en \| 8 \| 100\.00 \| 100\.00 \| 100\.00 \| 100\.00 \| 100\.00 \| 100\.00 \| 100\.00 \| 100\.00 \|$/m);
  assert.match(r.stdout, /rouge-unicode .*Not comparable/);
});

test('eval --compare A B: both tables and a paired bootstrap test per language and metric', async () => {
  const ref = jsonl('cmp-ref.jsonl', refs);
  const good = jsonl('good.jsonl', refs.map((r) => ({ id: r.id, lang: r.lang, prediction: r.summary })));
  const weak = jsonl('weak.jsonl', refs.map((r, i) => ({ id: r.id, lang: r.lang, prediction: golden[i * 5 + 2]!.prediction })));
  const out = join(dir, 'cmp');
  const r = await cli('eval', '--ref', ref, '--compare', good, weak, '--out-dir', out, '--samples', '300');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), [
    'good-vs-weak.json',
    'good-vs-weak.md',
    'good.json',
    'good.md',
    'good.scores.jsonl',
    'weak.json',
    'weak.md',
    'weak.scores.jsonl',
  ]);
  assert.match(r.stdout, /# Comparison: good vs weak/);
  const cmp = JSON.parse(readFileSync(join(out, 'good-vs-weak.json'), 'utf8')) as {
    a: string;
    b: string;
    pairs: number;
    rows: { label: string; column: string; delta: number; p: number; low: number }[];
  };
  assert.equal(cmp.a, 'good');
  assert.equal(cmp.pairs, 12);
  assert.deepEqual([...new Set(cmp.rows.map((x) => x.label))], ['en', 'es', 'macro avg']);
  assert.equal(cmp.rows.length, 3 * 4);
  const en1 = cmp.rows.find((x) => x.label === 'en' && x.column === 'rouge1')!;
  assert.ok(en1.delta > 0 && en1.p < 0.05 && en1.low > 0);
  assert.match(readFileSync(join(out, 'good-vs-weak.md'), 'utf8'), /^\| en \| R1 \| 8 \| 100\.00 \| [\d.]+ \| [\d.]+ \| [\d.]+ … [\d.]+ \| (<0\.00\d+|0\.\d{3}) \|$/m);
});

test('eval: mismatched id sets fail naming both files; --allow-missing scores the rest and counts', async () => {
  const ref = jsonl('mm-ref.jsonl', refs);
  const pred = jsonl('mm-pred.jsonl', refs.slice(0, 9).map((r) => ({ id: r.id, lang: r.lang, prediction: r.summary })));
  const r = await cli('eval', '--pred', pred, '--ref', ref);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^clinsum: error: .*mm-pred\.jsonl: does not match .*mm-ref\.jsonl: 3 of 12 references have no prediction \(ids "case-9", "case-10", "case-11"\) \(pass --allow-missing/);
  const ok = await cli('eval', '--pred', pred, '--ref', ref, '--allow-missing', '--json');
  assert.equal(ok.code, 0, ok.stderr);
  const res = JSON.parse(ok.stdout) as { systems: { pairs: number; referencesWithoutPrediction: number }[]; notes: string[] };
  assert.equal(res.systems[0]!.pairs, 9);
  assert.equal(res.systems[0]!.referencesWithoutPrediction, 3);
  assert.match(ok.stderr, /3 of 12 references have no prediction and were left out/);
});

test('eval --allow-missing with whole languages unpredicted: the Markdown and JSON name the languages averaged and those left out', async () => {
  const langs = ['en', 'es', 'fr', 'pt'];
  const four = Array.from({ length: 24 }, (_, i) => ({ id: `c${i}`, lang: langs[i % 4]!, summary: golden[i * 3]!.target }));
  const ref = jsonl('four-ref.jsonl', four);
  const pred = jsonl('two-pred.jsonl', four.filter((r) => r.lang === 'en' || r.lang === 'es').map((r, i) => ({ id: r.id, lang: r.lang, prediction: golden[i * 7 + 1]!.prediction })));
  const out = join(dir, 'eval-two');
  const md = await cli('eval', '--pred', pred, '--ref', ref, '--allow-missing', '--samples', '50', '--out-dir', out);
  assert.equal(md.code, 0, md.stderr);
  assert.match(md.stdout, /Macro average over en, es; no prediction in fr, pt\./);
  assert.match(md.stdout, /- Note: two-pred: fr, pt have references but no prediction \(--allow-missing\); the macro average is over en, es only/);
  assert.match(md.stderr, /fr, pt have references but no prediction/);
  const json = JSON.parse(readFileSync(join(out, 'two-pred.json'), 'utf8')) as { languages: string[]; languagesWithoutPrediction: string[]; notes: string[] };
  assert.deepEqual(json.languages, ['en', 'es']);
  assert.deepEqual(json.languagesWithoutPrediction, ['fr', 'pt']);
  assert.ok(json.notes.some((n) => /the macro average is over en, es only/.test(n)));
  assert.match(readFileSync(join(out, 'two-pred.md'), 'utf8'), /Macro average over en, es; no prediction in fr, pt\./);

  // One language only: no macro row, and it says so.
  const enOnly = jsonl('en-pred.jsonl', four.filter((r) => r.lang === 'en').map((r) => ({ id: r.id, lang: r.lang, prediction: r.summary })));
  const one = await cli('eval', '--pred', enOnly, '--ref', ref, '--allow-missing', '--samples', '50', '--json');
  assert.equal(one.code, 0, one.stderr);
  const res = JSON.parse(one.stdout) as { systems: { languages: string[]; languagesWithoutPrediction: string[] }[]; notes: string[] };
  assert.deepEqual(res.systems[0]!.languages, ['en']);
  assert.deepEqual(res.systems[0]!.languagesWithoutPrediction, ['es', 'fr', 'pt']);
  assert.ok(res.notes.some((n) => /only en is scored, so there is no macro average/.test(n)));

  // Every language predicted: the averaged languages are named, none is said to be missing.
  const all = jsonl('all-pred.jsonl', four.map((r) => ({ id: r.id, lang: r.lang, prediction: r.summary })));
  const full = await cli('eval', '--pred', all, '--ref', ref, '--samples', '50');
  assert.equal(full.code, 0, full.stderr);
  assert.match(full.stdout, /Macro average over en, es, fr, pt\./);
  assert.doesNotMatch(full.stdout, /no prediction/);
});

test('eval: a bad prediction or reference line names file:line, the field and what to write', async () => {
  const ref = jsonl('fix-ref.jsonl', refs);
  const cases: [string, unknown[], RegExp][] = [
    [
      'null-id.jsonl',
      [{ id: 'case-0', lang: 'en', prediction: 'x' }, { id: null, lang: 'en', prediction: 'y' }],
      /null-id\.jsonl:2: field `id`: must be a non-empty string or an integer \(write each line as \{"id": "en_12", "lang": "en", "prediction": "<predicted summary>"\}/,
    ],
    [
      'no-prediction.jsonl',
      [{ id: 'case-0', lang: 'en' }],
      /no-prediction\.jsonl:1: field `prediction`: is missing \(write a string \(the predicted summary; "" for an empty one\)\) \(write each line as \{"id": /,
    ],
    [
      'sentence-lang.jsonl',
      [{ id: 'case-0', lang: 'The patient had fever and a cough.', prediction: 'x' }],
      /sentence-lang\.jsonl:1: field `lang`: is not a language code \(a text of 34 characters\)/,
    ],
  ];
  for (const [name, rows, re] of cases) {
    const r = await cli('eval', '--pred', jsonl(name, rows), '--ref', ref, '--allow-missing');
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /^clinsum: error: .+\n$/);
    assert.match(r.stderr, re);
    assert.ok(!r.stderr.includes('fever'), `${name}: the error quotes a text`);
  }
  const badRef = await cli('eval', '--pred', jsonl('ok-pred.jsonl', [{ id: 'case-0', lang: 'en', prediction: 'x' }]), '--ref', jsonl('bad-ref2.jsonl', [{ id: '', lang: 'en', summary: 's' }]));
  assert.equal(badRef.code, 1);
  assert.match(badRef.stderr, /bad-ref2\.jsonl:1: field `id`: must not be empty \(write each line as \{"id": "en_12", "lang": "en", "summary": /);
});

test('eval: bad input and usage errors are one clear line, without texts', async () => {
  const ref = jsonl('bad-ref.jsonl', [...refs, refs[0]]);
  const pred = jsonl('bad-pred.jsonl', refs.map((r) => ({ id: r.id, lang: r.lang, prediction: r.summary })));
  const dup = await cli('eval', '--pred', pred, '--ref', ref);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /bad-ref\.jsonl: 1 duplicate id: "case-0" \(en\) on lines 1, 13/);
  assert.ok(!dup.stderr.includes(refs[0]!.summary.slice(0, 30)));

  const usage = [
    ['eval', '--ref', ref],
    ['eval', '--ref', ref, '--pred', pred, '--compare', pred, pred],
    ['eval', '--pred', pred],
    ['eval', '--ref', ref, '--compare', pred],
    ['eval', '--ref', ref, '--pred', pred, '--tokenizer', 'spacy'],
    ['eval', '--ref', ref, '--pred', pred, '--samples', '0'],
    ['eval', '--ref', ref, '--pred', pred, 'bertscore'],
    ['eval', 'rouge'],
    ['eval', 'rouge', '--pairs', pred, '--split', 'paragraph'],
    ['eval', 'rouge', '--pairs', pred, '--bogus'],
  ];
  for (const argv of usage) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^clinsum: error: .+\n$/);
  }
  const notPairs = await cli('eval', 'rouge', '--pairs', pred);
  assert.equal(notPairs.code, 1);
  assert.match(notPairs.stderr, /bad-pred\.jsonl:1: field `reference`: needs `reference` \(or its alias `target`\)/);
});

test('eval --help and eval rouge --help print their usage', async () => {
  const a = await cli('eval', '--help');
  assert.equal(a.code, 0);
  assert.match(a.stdout, /--compare A B/);
  const b = await cli('eval', 'rouge', '--help');
  assert.equal(b.code, 0);
  assert.match(b.stdout, /--pairs FILE/);
});
