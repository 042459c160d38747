import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Prng } from '../../../util/prng.js';
import { ConfigError } from '../../../util/errors.js';
import { goldenPath } from '../testing.js';
import { fmeasure } from '../prf.js';
import { RougeScorer, scoreRouge, type RougeType } from './scorer.js';

interface GoldenRow {
  id: string;
  target: string;
  prediction: string;
  scores: Record<'nostem' | 'stem', Record<RougeType, [number, number, number]>>;
}

function readGolden(name: string): GoldenRow[] {
  return readFileSync(goldenPath('rouge', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as GoldenRow);
}

for (const file of ['edge.jsonl', 'en-real.jsonl']) {
  for (const mode of ['nostem', 'stem'] as const) {
    test(`golden parity: ${file}, ${mode}: every precision, recall and F within 1e-9`, () => {
      const rows = readGolden(file);
      assert.ok(rows.length >= 20);
      const scorer = new RougeScorer({ stemmer: mode === 'stem' });
      let checked = 0;
      for (const row of rows) {
        const got = scorer.score(row.target, row.prediction);
        for (const [type, want] of Object.entries(row.scores[mode]) as [RougeType, [number, number, number]][]) {
          const g = got[type]!;
          const have = [g.precision, g.recall, g.fmeasure];
          for (let k = 0; k < 3; k++) {
            assert.ok(Math.abs(have[k]! - want[k]!) <= 1e-9, `${row.id} ${type}[${k}]: want ${want[k]}, got ${have[k]}`);
            checked++;
          }
        }
      }
      assert.equal(checked, rows.length * 4 * 3);
    });
  }
}

test("rouge-score's README example", () => {
  const s = scoreRouge('The quick brown fox jumps over the lazy dog', 'The quick brown dog jumps on the log.', { types: ['rouge1', 'rougeL'] });
  assert.deepEqual(Object.keys(s), ['rouge1', 'rougeL']);
  assert.equal(s.rouge1!.precision, 0.75);
  assert.equal(s.rouge1!.recall, 6 / 9);
  assert.equal(s.rougeL!.fmeasure, fmeasure(5 / 8, 5 / 9));
});

test('rougeLsum: union LCS over predicted sentences (rouge-score test case)', () => {
  const s = scoreRouge('w1 w2 w3 w4 w5', 'w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5', { types: ['rougeLsum'] });
  assert.equal(s.rougeLsum!.recall, 0.8);
  assert.equal(s.rougeLsum!.precision, 0.4);
  assert.ok(Math.abs(s.rougeLsum!.fmeasure - 0.5333) < 1e-4);
});

test('rougeLsum: newline split (default) vs sentence split', () => {
  const target = 'First sentence. Second Sentence.';
  const prediction = 'Second sentence. First Sentence.';
  assert.ok(Math.abs(scoreRouge(target, prediction, { types: ['rougeLsum'] }).rougeLsum!.fmeasure - 0.5) < 1e-12);
  assert.equal(scoreRouge(target, prediction, { types: ['rougeLsum'], summarySplit: 'sentence' }).rougeLsum!.fmeasure, 1);
});

test('rougeN for n > 2, and n-gram counts clipped by the reference', () => {
  const s = scoreRouge('a b c d a b c', 'a b c a b c a b c', { types: ['rouge3', 'rouge1'] });
  // reference trigrams: abc×2, bcd, cda, dab; prediction: abc×3, bca×2, cab×2 → 2 matches.
  assert.equal(s.rouge3!.precision, 2 / 7);
  assert.equal(s.rouge3!.recall, 2 / 5);
  // unigrams: a: min(2,3) + b: min(2,3) + c: min(2,3) = 6
  assert.equal(s.rouge1!.precision, 6 / 9);
  assert.equal(s.rouge1!.recall, 6 / 7);
});

test('empty and untokenizable texts score 0', () => {
  for (const [t, p] of [['', ''], ['fever', ''], ['', 'fever'], ['...', 'fever'], ['患者', '患者']]) {
    const s = scoreRouge(t!, p!);
    for (const type of ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const) {
      assert.deepEqual(s[type], { precision: 0, recall: 0, fmeasure: 0 }, `${type} of ${JSON.stringify([t, p])}`);
    }
  }
});

test('unicode tokenizer keeps accented words whole; Snowball stems by language', () => {
  const ref = 'Paciente con fiebre y neumonía adquirida';
  const pred = 'Pacientes con fiebres, neumonía adquirida';
  const plain = scoreRouge(ref, pred, { types: ['rouge1'] }).rouge1!;
  const uni = scoreRouge(ref, pred, { types: ['rouge1'], tokenizer: 'unicode' }).rouge1!;
  const stemmed = scoreRouge(ref, pred, { types: ['rouge1'], tokenizer: 'unicode', stemmer: true, lang: 'es' }).rouge1!;
  // reference tokenizer: "neumon" + "a" survive as pieces; unicode: "neumonía" is one token.
  assert.equal(plain.recall, 4 / 7);
  assert.equal(uni.recall, 3 / 6);
  assert.equal(stemmed.recall, 5 / 6);
  const scorer = new RougeScorer({ tokenizer: 'unicode', stemmer: true, lang: 'xx' });
  assert.equal(scorer.stemmerName, 'none');
  assert.equal(new RougeScorer({ tokenizer: 'unicode', stemmer: true, lang: 'pt-BR' }).stemmerName, 'snowball-pt-BR');
});

test('tokens() shows the compared forms (stemmed, memoized)', () => {
  const s = new RougeScorer({ stemmer: true });
  assert.deepEqual(s.tokens('The patients were treated.\nFlies died'), ['the', 'patient', 'were', 'treat', 'fli', 'die']);
  assert.deepEqual(s.tokens('patients'), ['patient']);
});

test('invalid ROUGE types are rejected', () => {
  assert.throws(() => new RougeScorer({ types: ['rouge0' as RougeType] }), ConfigError);
  assert.throws(() => new RougeScorer({ types: ['rougeW' as RougeType] }), ConfigError);
  assert.throws(() => new RougeScorer({ types: [] }), ConfigError);
});

// ---------------------------------------------------------------------------------------------
// A literal transcription of rouge_scorer.py over string tokens, to check the typed-array code
// on many random multi-sentence texts (ties in the LCS backtracking included).

function lcsTable(ref: string[], can: string[]): number[][] {
  const t = Array.from({ length: ref.length + 1 }, () => new Array<number>(can.length + 1).fill(0));
  for (let i = 1; i <= ref.length; i++) {
    for (let j = 1; j <= can.length; j++) {
      t[i]![j] = ref[i - 1] === can[j - 1] ? t[i - 1]![j - 1]! + 1 : Math.max(t[i - 1]![j]!, t[i]![j - 1]!);
    }
  }
  return t;
}

function lcsInd(ref: string[], can: string[]): number[] {
  const t = lcsTable(ref, can);
  let i = ref.length;
  let j = can.length;
  const out: number[] = [];
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.unshift(i - 1);
      i--;
      j--;
    } else if (t[i]![j - 1]! > t[i - 1]![j]!) j--;
    else i--;
  }
  return out;
}

function naiveLsum(refSents: string[][], canSents: string[][]): [number, number, number] {
  const m = refSents.reduce((n, s) => n + s.length, 0);
  const n = canSents.reduce((k, s) => k + s.length, 0);
  if (refSents.length === 0 || canSents.length === 0 || m === 0 || n === 0) return [0, 0, 0];
  const cr = new Map<string, number>();
  const cc = new Map<string, number>();
  for (const s of refSents) for (const t of s) cr.set(t, (cr.get(t) ?? 0) + 1);
  for (const s of canSents) for (const t of s) cc.set(t, (cc.get(t) ?? 0) + 1);
  let hits = 0;
  for (const r of refSents) {
    const union = [...new Set(canSents.flatMap((c) => lcsInd(r, c)))].sort((x, y) => x - y).map((i) => r[i]!);
    for (const t of union) {
      if (cc.get(t)! > 0 && cr.get(t)! > 0) {
        hits++;
        cc.set(t, cc.get(t)! - 1);
        cr.set(t, cr.get(t)! - 1);
      }
    }
  }
  const p = hits / n;
  const r = hits / m;
  return [p, r, fmeasure(p, r)];
}

function naiveNgrams(ref: string[], can: string[], k: number): [number, number, number] {
  const grams = (t: string[]) => {
    const c = new Map<string, number>();
    for (let i = 0; i + k <= t.length; i++) c.set(t.slice(i, i + k).join(' '), (c.get(t.slice(i, i + k).join(' ')) ?? 0) + 1);
    return c;
  };
  const a = grams(ref);
  const b = grams(can);
  let inter = 0;
  for (const [g, c] of a) inter += Math.min(c, b.get(g) ?? 0);
  const sum = (c: Map<string, number>) => [...c.values()].reduce((x, y) => x + y, 0);
  const p = inter / Math.max(sum(b), 1);
  const r = inter / Math.max(sum(a), 1);
  return [p, r, fmeasure(p, r)];
}

function checkAgainstTranscription(seed: number, cases: number, maxSentences: number, maxLength: number, vocabSize: number): void {
  const rng = new Prng(seed);
  const vocab = Array.from({ length: vocabSize }, (_, i) => `w${i}`);
  const text = (): string[][] =>
    Array.from({ length: rng.int(maxSentences + 1) }, () =>
      Array.from({ length: rng.int(maxLength + 1) }, () => vocab[rng.int(rng.int(2) === 0 ? Math.min(3, vocabSize) : vocabSize)]!),
    );
  const scorer = new RougeScorer({ types: ['rouge1', 'rouge2', 'rouge3', 'rougeL', 'rougeLsum'] });
  for (let k = 0; k < cases; k++) {
    const ref = text();
    const can = text();
    const got = scorer.score(ref.map((s) => s.join(' ')).join('\n'), can.map((s) => s.join(' ')).join('\n'));
    const flatR = ref.flat();
    const flatC = can.flat();
    const lcs = flatR.length && flatC.length ? lcsTable(flatR, flatC)[flatR.length]![flatC.length]! : 0;
    const rl: [number, number, number] =
      flatR.length && flatC.length ? [lcs / flatC.length, lcs / flatR.length, fmeasure(lcs / flatC.length, lcs / flatR.length)] : [0, 0, 0];
    const want: Record<string, [number, number, number]> = {
      rouge1: naiveNgrams(flatR, flatC, 1),
      rouge2: naiveNgrams(flatR, flatC, 2),
      rouge3: naiveNgrams(flatR, flatC, 3),
      rougeL: rl,
      rougeLsum: naiveLsum(ref.filter((s) => s.length > 0), can.filter((s) => s.length > 0)),
    };
    for (const [type, w] of Object.entries(want)) {
      const g = got[type as RougeType]!;
      assert.deepEqual([g.precision, g.recall, g.fmeasure], w, `seed ${seed} case ${k} ${type}`);
    }
  }
}

test('ROUGE equals a literal transcription of rouge_scorer.py on 400 random short texts', () => {
  checkAgainstTranscription(2024, 400, 3, 8, 7);
});

test('... and on long sentences (multi-word bit vectors, carries, many LCS ties)', () => {
  checkAgainstTranscription(7, 60, 4, 100, 4);
  checkAgainstTranscription(8, 30, 2, 160, 30);
});
