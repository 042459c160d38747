import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../util/errors.js';
import { sha256 } from '../../util/hash.js';
import { toJsonl } from '../../util/jsonl.js';
import { cleanText } from '../read.js';
import { detectLanguage, LANGS, type Lang } from '../lang.js';
import { generateDemoDataset, type DemoRecord } from './generate.js';
import { DEMO_SCENARIOS } from './scenario.js';
import { fixed, formatNumber, personPhrase } from './text.js';
import { demoRow } from './write.js';

/** Several seeds, so that the checks below see most branches of every scenario. */
const SEEDS = [42, 0, 1, 7, 123, 2025, 4294967295];
const all: DemoRecord[] = SEEDS.flatMap((seed) => generateDemoDataset({ seed, perLanguage: 30 }));

function where(r: DemoRecord): string {
  return `${r.id} (${r.scenario})`;
}

test('the same seed gives the same records and bytes; another seed gives other texts', () => {
  const a = generateDemoDataset({ seed: 42 });
  const b = generateDemoDataset({ seed: 42 });
  assert.deepEqual(a, b);
  assert.equal(toJsonl(a.map(demoRow)), toJsonl(b.map(demoRow)));
  const c = generateDemoDataset({ seed: 43 });
  assert.deepEqual(c.map((r) => r.id), a.map((r) => r.id));
  const same = a.filter((r, i) => r.report === c[i]!.report).length;
  assert.equal(same, 0, 'seed 43 should change every report');
});

test('golden: the default dataset has the same bytes on every machine and Node version', () => {
  // Pinned on purpose: if a template or a draw changes, this hash changes; update it together
  // with docs/demo.md, knowing that every demo output changes with it.
  const text = toJsonl(generateDemoDataset().map(demoRow));
  assert.equal(sha256(text), '3fb1704bd50e18d8e25e3eb1886a6947d0b75e054c50818717dca686242205dd');
});

test('defaults: 24 records per language, languages in the order en, es, fr, pt, ids demo_<lang>_<k>', () => {
  const records = generateDemoDataset();
  assert.equal(records.length, 96);
  assert.deepEqual([...new Set(records.map((r) => r.lang))], ['en', 'es', 'fr', 'pt']);
  assert.equal(records[0]!.id, 'demo_en_001');
  assert.equal(records[30]!.id, 'demo_es_007');
  assert.equal(records[95]!.id, 'demo_pt_024');
  for (const r of records) assert.match(r.id, new RegExp(`^demo_${r.lang}_\\d{3}$`));
  assert.equal(new Set(records.map((r) => r.id)).size, records.length);
});

test('a prefix of the count and a subset of languages give the same records (nothing depends on them)', () => {
  const full = generateDemoDataset({ seed: 9 });
  const few = generateDemoDataset({ seed: 9, perLanguage: 5, langs: ['pt', 'es'] });
  assert.deepEqual([...new Set(few.map((r) => r.lang))], ['es', 'pt']);
  const byId = new Map(full.map((r) => [r.id, r]));
  for (const r of few) assert.deepEqual(r, byId.get(r.id));
});

test('scenarios are dealt in rounds of ten: every scenario once per round, in every language', () => {
  for (const lang of LANGS) {
    const records = generateDemoDataset({ seed: 5, perLanguage: 30, langs: [lang] });
    for (let round = 0; round < 3; round++) {
      const seen = records.slice(round * 10, round * 10 + 10).map((r) => r.scenario);
      assert.deepEqual([...seen].sort(), [...DEMO_SCENARIOS].sort(), `${lang} round ${round}`);
    }
  }
});

test('every report and summary is detected as its own language', () => {
  for (const r of all) {
    for (const [field, text] of [['report', r.report], ['summary', r.summary]] as const) {
      const guess = detectLanguage(text);
      assert.equal(guess.lang, r.lang, `${where(r)} ${field} detected as ${String(guess.lang)}`);
      assert.ok(guess.confidence >= 0.3, `${where(r)} ${field}: confidence ${guess.confidence}`);
    }
  }
});

test('lengths: reports 600–1500 characters in three paragraphs, summaries 150–350 and much shorter', () => {
  for (const r of all) {
    const n = [...r.report].length;
    const m = [...r.summary].length;
    assert.ok(n >= 600 && n <= 1500, `${where(r)}: report of ${n} characters`);
    assert.ok(m >= 150 && m <= 350, `${where(r)}: summary of ${m} characters`);
    assert.ok(m < 0.4 * n, `${where(r)}: summary ${m} vs report ${n}`);
    assert.equal(r.report.split('\n\n').length, 3, `${where(r)}: paragraphs`);
    assert.ok(!r.summary.includes('\n'), `${where(r)}: summary on one line`);
  }
});

test('summaries keep the report\'s key facts: the diagnosis, the patient, key values', () => {
  for (const r of all) {
    const report = r.report.toLowerCase();
    const summary = r.summary.toLowerCase();
    for (const fact of [r.diagnosis, ...r.shared]) {
      assert.ok(report.includes(fact.toLowerCase()), `${where(r)}: report lacks "${fact}"`);
      assert.ok(summary.includes(fact.toLowerCase()), `${where(r)}: summary lacks "${fact}"`);
    }
    assert.ok(r.shared.length >= 1);
  }
});

test('no template leftovers, no spacing slips, sentences start upper-case and end with a full stop', () => {
  const leftovers = /[{}<>[\]$\\]|undefined|NaN|null|Infinity|\[object|\s{2,}|\s[.,)]|\(\s|\.\.|,,/;
  for (const r of all) {
    for (const text of [r.summary, ...r.report.split('\n\n')]) {
      assert.doesNotMatch(text, leftovers, `${where(r)}: ${JSON.stringify(text.match(leftovers)?.[0])}`);
      assert.match(text, /^\p{Lu}/u, `${where(r)}: starts lower-case`);
      assert.match(text, /\.$/, `${where(r)}: does not end with a full stop`);
      for (const sentence of text.split(/(?<=\.) (?=\p{Lu})/u)) assert.match(sentence, /^\p{Lu}.*\.$/u, `${where(r)}: ${sentence.slice(0, 40)}`);
    }
  }
});

test('texts are NFC, stripped, and Spanish, French and Portuguese carry their accents', () => {
  const accents: Record<Lang, RegExp> = { en: /^[\x20-\x7e\n°µ³]*$/, es: /[áéíóúñ]/, fr: /[éèêàçôœ]/, pt: /[ãõçáéêó]/ };
  for (const r of all) {
    for (const text of [r.report, r.summary]) {
      assert.equal(text, text.normalize('NFC'), `${where(r)}: not NFC`);
      assert.equal(text, cleanText(text), `${where(r)}: surrounding white space`);
      assert.match(text, accents[r.lang], `${where(r)}: ${r.lang === 'en' ? 'unexpected character' : 'no accented letter'}`);
    }
  }
});

test('both sexes and all ten scenarios occur in every language', () => {
  for (const lang of LANGS) {
    const mine = all.filter((r) => r.lang === lang);
    assert.deepEqual([...new Set(mine.map((r) => r.scenario))].sort(), [...DEMO_SCENARIOS].sort());
  }
  const en = all.filter((r) => r.lang === 'en');
  assert.ok(en.some((r) => / (woman|girl) /.test(r.summary)) && en.some((r) => / (man|boy) /.test(r.summary)));
});

test('bad options are ConfigErrors that name the value', () => {
  const bad: [object, RegExp][] = [
    [{ perLanguage: 0 }, /1 to 9999 records per language, got 0/],
    [{ perLanguage: 10000 }, /got 10000/],
    [{ perLanguage: 2.5 }, /got 2\.5/],
    [{ seed: -1 }, /seed must be an integer in \[0, 2\^32\), got -1/],
    [{ seed: 2 ** 32 }, /got 4294967296/],
    [{ langs: [] }, /at least one language/],
    [{ langs: ['de'] }, /no language "de"/],
  ];
  for (const [options, message] of bad) {
    assert.throws(() => generateDemoDataset(options), (e: unknown) => e instanceof ConfigError && message.test(e.message));
  }
});

test('number and patient phrasing per language', () => {
  assert.equal(fixed(383, 1), '38.3');
  assert.equal(fixed(7, 2), '0.07');
  assert.equal(fixed(-5, 1), '-0.5');
  assert.equal(formatNumber('en', 15400), '15,400');
  assert.equal(formatNumber('en', 1450), '1,450');
  assert.equal(formatNumber('es', 15400), '15.400');
  assert.equal(formatNumber('es', 4150), '4150');
  assert.equal(formatNumber('fr', 512000), '512 000');
  assert.equal(formatNumber('pt', 712, 2), '7,12');
  assert.equal(formatNumber('fr', 383, 1), '38,3');
  assert.equal(personPhrase('en', 8, 'male'), 'an 8-year-old boy');
  assert.equal(personPhrase('en', 18, 'female'), 'an 18-year-old woman');
  assert.equal(personPhrase('en', 81, 'male'), 'an 81-year-old man');
  assert.equal(personPhrase('en', 28, 'female'), 'a 28-year-old woman');
  assert.equal(personPhrase('es', 1, 'female'), 'una niña de 1 año');
  assert.equal(personPhrase('es', 16, 'male'), 'un adolescente de 16 años');
  assert.equal(personPhrase('fr', 3, 'female'), 'une fillette de 3 ans');
  assert.equal(personPhrase('fr', 45, 'male'), 'un homme de 45 ans');
  assert.equal(personPhrase('pt', 3, 'male'), 'um menino de 3 anos');
  assert.equal(personPhrase('pt', 70, 'female'), 'uma mulher de 70 anos');
});
