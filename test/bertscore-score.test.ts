/**
 * BERTScore on tiny random encoders written in Hugging Face layout: identical texts score 1,
 * a hand computation of bert_score's greedy matching (plain arrays, from the engine's
 * embeddings) agrees, idf weights, baseline rescaling, truncation, empty texts, per-language
 * runs, RoBERTa's prefix space, and clear errors for bad folders.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inferenceMode, liveTensorCount, tensor, tidy } from '../src/engine/index.js';
import { writeRandomEncoder } from '../src/models/bert/testing.js';
import { BertScorer, createBertScoreMetric, idfFromReferences, readBaseline, rescale, uniformWeights, type IdfWeights } from '../src/stages/evaluate/bertscore/index.js';
import type { EvalPair } from '../src/stages/evaluate/metric.js';
import { ConfigError, InputError } from '../src/util/errors.js';

const root = mkdtempSync(join(tmpdir(), 'clinsum-bertscore-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

// Named like the real model, so bert_score's default layer (5) applies.
const DISTIL = join(root, 'distilbert-base-uncased');
writeRandomEncoder(DISTIL, { modelType: 'distilbert', hiddenSize: 32, layers: 6, heads: 4, maxTokens: 24, seed: 7, layerNormStd: 0.2 });
const BERT = join(root, 'tiny-bert');
writeRandomEncoder(BERT, { modelType: 'bert', hiddenSize: 32, layers: 3, heads: 4, maxTokens: 24, seed: 3, layerNormStd: 0.2, withHead: true });

const scorer = BertScorer.load(DISTIL);
test.after(() => scorer.dispose());

/** The engine's normalized embeddings of one text, unpadded, as plain arrays. */
function embeddings(s: BertScorer, text: string): { ids: number[]; emb: number[][] } {
  const { ids } = s.encode(text);
  const flat = inferenceMode(() =>
    tidy(() => {
      const h = s.encoder.forward(tensor([ids], { dtype: 'int64' }), tensor([ids.map(() => true)]));
      return h.toNumbers();
    }),
  );
  const c = s.config.hiddenSize;
  const emb = ids.map((_, i) => {
    const row = flat.slice(i * c, (i + 1) * c);
    const norm = Math.sqrt(row.reduce((a, x) => a + x * x, 0));
    return row.map((x) => x / norm);
  });
  return { ids, emb };
}

const dot = (a: number[], b: number[]): number => a.reduce((acc, x, i) => acc + x * b[i]!, 0);

/**
 * bert_score's greedy_cos_idf for one batch, by hand: each side padded to the longest in the
 * batch, padded positions count as similarity 0 in the max.
 */
function byHand(batch: { pred: string; ref: string }[], weights: IdfWeights, s = scorer): { p: number; r: number; f: number }[] {
  const e = batch.map((x) => ({ h: embeddings(s, x.pred), r: embeddings(s, x.ref) }));
  const th = Math.max(...e.map((x) => x.h.ids.length));
  const tr = Math.max(...e.map((x) => x.r.ids.length));
  return e.map(({ h, r }) => {
    const sim = h.emb.map((hv) => r.emb.map((rv) => dot(hv, rv)));
    const side = (maxes: number[], ids: number[]) => {
      const w = ids.map((id) => weights.weight(id));
      const total = w.reduce((a, x) => a + x, 0);
      return maxes.reduce((a, m, i) => a + (m * w[i]!) / total, 0);
    };
    const wp = sim.map((row) => Math.max(...row, ...(r.ids.length < tr ? [0] : [])));
    const wr = r.emb.map((_, j) => Math.max(...sim.map((row) => row[j]!), ...(h.ids.length < th ? [0] : [])));
    const p = side(wp, h.ids);
    const rc = side(wr, r.ids);
    return { p, r: rc, f: (2 * p * rc) / (p + rc) };
  });
}

function close(actual: number, expected: number, what: string, tol = 2e-6): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

test('the folder name gives bert_score\'s default layer; settings and hash', () => {
  assert.equal(scorer.modelName, 'distilbert-base-uncased');
  assert.equal(scorer.layer, 5);
  assert.equal(scorer.maxLength, 24);
  assert.equal(scorer.hash(false, false), 'distilbert-base-uncased_L5_no-idf_version=0.3.13(clinsum)');
  assert.equal(scorer.hash(true, true), 'distilbert-base-uncased_L5_idf_version=0.3.13(clinsum)-custom-rescaled');
});

test('identical texts give P = R = F = 1', async () => {
  const texts = ['the patient was admitted with fever.', 'chest pain', 'A cat sat on the mat; no dog.'];
  const run = await scorer.score(texts.map((t) => ({ prediction: t, reference: t })));
  for (const s of run.scores) {
    close(s.precision, 1, 'P');
    close(s.recall, 1, 'R');
    close(s.fmeasure, 1, 'F');
  }
});

test('greedy matching equals a hand computation (one pair, and a padded batch)', async () => {
  const pairs = [
    { prediction: 'the man was treated with antibiotics', reference: 'the patient was admitted to hospital with chest pain' },
    { prediction: 'fever', reference: 'no fever' },
    { prediction: 'a woman, 30 years old, with pneumonia and fever for 3 days', reference: 'cat' },
  ];
  const uniform = uniformWeights([scorer.tokenizer.sepId, scorer.tokenizer.clsId]);
  const single = await scorer.score([pairs[0]!]);
  const [h0] = byHand([{ pred: pairs[0]!.prediction, ref: pairs[0]!.reference }], uniform);
  close(single.scores[0]!.precision, h0!.p, 'P');
  close(single.scores[0]!.recall, h0!.r, 'R');
  close(single.scores[0]!.fmeasure, h0!.f, 'F');

  const batch = await scorer.score(pairs);
  const expected = byHand(pairs.map((p) => ({ pred: p.prediction, ref: p.reference })), uniform);
  batch.scores.forEach((s, i) => {
    close(s.precision, expected[i]!.p, `P${i}`);
    close(s.recall, expected[i]!.r, `R${i}`);
    close(s.fmeasure, expected[i]!.f, `F${i}`);
  });
  // batchSize 1: no padding, each pair alone
  const alone = await scorer.score(pairs, { batchSize: 1 });
  alone.scores.forEach((s, i) => {
    const [e] = byHand([{ pred: pairs[i]!.prediction, ref: pairs[i]!.reference }], uniform);
    close(s.fmeasure, e!.f, `F${i} alone`);
  });
});

test('idf: ln((N+1)/(df+1)) over the references, ln(N+1) for unseen tokens, [CLS]/[SEP] 0', async () => {
  const w = idfFromReferences([[2, 10, 11, 3], [2, 10, 10, 12, 3], [2, 3]]);
  close(w.weight(2), 0, 'CLS', 0);
  close(w.weight(3), 0, 'SEP', 0);
  close(w.weight(10), Math.log(4 / 3), 'df 2', 0);
  close(w.weight(11), Math.log(4 / 2), 'df 1', 0);
  close(w.weight(99), Math.log(4), 'unseen', 0);

  const pairs = [
    { prediction: 'the man was treated with antibiotics', reference: 'the patient was treated with antibiotics' },
    { prediction: 'fever and chest pain', reference: 'the patient had fever' },
    { prediction: 'no fever', reference: 'chest pain' },
  ];
  const run = await scorer.score(pairs, { idf: true });
  const weights = idfFromReferences(pairs.map((p) => scorer.encode(p.reference).ids));
  const expected = byHand(pairs.map((p) => ({ pred: p.prediction, ref: p.reference })), weights);
  run.scores.forEach((s, i) => {
    close(s.precision, expected[i]!.p, `P${i}`);
    close(s.recall, expected[i]!.r, `R${i}`);
  });
});

test('idf with one reference: its tokens weigh 0 (bert_score: NaN), reported and scored 0', async () => {
  const run = await scorer.score([{ prediction: 'fever', reference: 'no fever' }], { idf: true });
  assert.deepEqual(run.zeroWeight, [0]);
  assert.equal(run.scores[0]!.recall, 0);
  assert.equal(run.scores[0]!.fmeasure, 0);
});

test('baseline rescaling: (x − b)/(1 − b) per measure, from the row of the layer', async () => {
  const file = join(root, 'baseline.tsv');
  const rows = ['LAYER,P,R,F', ...[0, 1, 2, 3, 4, 5, 6].map((l) => `${l},${0.1 * l},${0.05 * l},${0.08 * l}`)];
  writeFileSync(file, `${rows.join('\n')}\n`);
  const b = readBaseline(file, 5);
  assert.deepEqual([b.precision, b.recall, b.fmeasure], [Math.fround(0.5), Math.fround(0.25), Math.fround(0.4)]);
  const pairs = [{ prediction: 'chest pain and fever', reference: 'the patient had fever' }];
  const raw = (await scorer.score(pairs)).scores[0]!;
  const scaled = (await scorer.score(pairs, { baseline: b })).scores[0]!;
  assert.equal(scaled.precision, rescale(raw.precision, b.precision));
  assert.equal(scaled.recall, rescale(raw.recall, b.recall));
  assert.equal(scaled.fmeasure, rescale(raw.fmeasure, b.fmeasure));
  close(scaled.precision, (raw.precision - 0.5) / 0.5, 'formula', 1e-6);

  writeFileSync(file, 'LAYER\tP\tR\tF\n0\t0.1\t0.1\t0.1\n');
  assert.throws(() => readBaseline(file, 0), /expected LAYER,P,R,F/);
  writeFileSync(file, 'LAYER,P,R,F\n0,0.1,0.1,0.1\n');
  assert.throws(() => readBaseline(file, 5), /has rows for layers 0 to 0, not for layer 5/);
  writeFileSync(file, 'LAYER,P,R,F\n0,0.1,x,0.1\n');
  assert.throws(() => readBaseline(file, 0), (e: unknown) => e instanceof InputError && /baseline\.tsv:2: needs four numbers/.test(e.message));
});

test('truncation at the model\'s maximum length is counted; empty texts score 0; notes name ids, never texts', async () => {
  const long = 'the patient was admitted to hospital with fever and chest pain and was treated with antibiotics for 3 days and no pain';
  assert.equal(scorer.encode(long).ids.length, 24);
  assert.ok(scorer.encode(long).truncated);
  const metric = createBertScoreMetric({ model: DISTIL });
  try {
    const pairs: EvalPair[] = [
      { id: 'c1', lang: 'en', prediction: long, reference: 'fever' },
      { id: 'c2', lang: 'en', prediction: 'fever', reference: long },
      { id: 'c3', lang: 'en', prediction: '  \n', reference: 'fever' },
      { id: 'c4', lang: 'en', prediction: 'fever', reference: 'fever' },
    ];
    const r = await metric.score(pairs);
    assert.deepEqual(r.scores[2], { bertscore: { precision: 0, recall: 0, fmeasure: 0 } });
    assert.match(r.notes.join('\n'), /1 of 4 predictions \(ids "c1"\) and 1 of 4 references \(ids "c2"\) were longer than 24 tokens/);
    assert.match(r.notes.join('\n'), /1 pairs have an empty prediction or reference \(ids "c3"\)/);
    assert.ok(!r.notes.join('\n').includes('patient'));
    assert.deepEqual(Object.keys(r.scores[0]!), ['bertscore']);
    assert.equal(metric.settings.layer, 5);
    assert.equal(metric.settings.model, 'distilbert-base-uncased');
  } finally {
    metric.dispose();
  }
});

test('each language is its own bert_score call (idf and batches per language)', async () => {
  const metric = createBertScoreMetric({ model: DISTIL, idf: true, batchSize: 2 });
  try {
    const pairs: EvalPair[] = [
      { id: '1', lang: 'en', prediction: 'fever and chest pain', reference: 'the patient had fever' },
      { id: '2', lang: 'fr', prediction: 'cafe', reference: 'resume cafe' },
      { id: '3', lang: 'en', prediction: 'no fever', reference: 'chest pain with fever' },
      { id: '4', lang: 'fr', prediction: 'resume', reference: 'cafe' },
    ];
    const r = await metric.score(pairs);
    const en = await metric.scorer.score([pairs[0]!, pairs[2]!], { idf: true, batchSize: 2 });
    const fr = await metric.scorer.score([pairs[1]!, pairs[3]!], { idf: true, batchSize: 2 });
    assert.deepEqual(r.scores.map((s) => s.bertscore), [en.scores[0], fr.scores[0], en.scores[1], fr.scores[1]]);
  } finally {
    metric.dispose();
  }
});

test('scoring frees every tensor it made', async () => {
  const before = liveTensorCount();
  await scorer.score([{ prediction: 'fever', reference: 'no fever' }, { prediction: 'chest pain', reference: '' }], { batchSize: 1 });
  assert.equal(liveTensorCount(), before);
});

test('BERT with a head-prefixed checkpoint and RoBERTa (prefix space) score too', async () => {
  const bert = BertScorer.load(BERT, { layer: 2 });
  try {
    const run = await bert.score([{ prediction: 'the cat sat', reference: 'the cat sat' }]);
    close(run.scores[0]!.fmeasure, 1, 'F');
    assert.equal(bert.loadReport.prefix, 'bert');
  } finally {
    bert.dispose();
  }
  const dir = join(root, 'roberta-large');
  writeRandomEncoder(dir, { modelType: 'roberta', hiddenSize: 16, layers: 17, heads: 2, maxTokens: 20, seed: 5 });
  const rob = BertScorer.load(dir);
  try {
    assert.equal(rob.layer, 17);
    const vocab = (id: number) => rob.tokenizer.idToToken(id);
    assert.deepEqual(rob.encode('the cat').ids.map(vocab), ['<s>', 'Ġthe', 'Ġcat', '</s>']);
    const pairs = [{ prediction: 'the cat', reference: 'the patient' }];
    const [e] = byHand([{ pred: 'the cat', ref: 'the patient' }], uniformWeights([rob.tokenizer.sepId, rob.tokenizer.clsId]), rob);
    close((await rob.score(pairs)).scores[0]!.fmeasure, e!.f, 'F');
  } finally {
    rob.dispose();
  }
});

test('bad model folders and layers give clear errors', () => {
  assert.throws(() => BertScorer.load(BERT), (e: unknown) => e instanceof ConfigError && /no default layer for "tiny-bert".*pass --layer N, 0 to 3/.test(e.message));
  assert.throws(() => BertScorer.load(BERT, { layer: 4 }), /--layer 4 is not a layer of .*tiny-bert: it has 3/);
  assert.throws(() => BertScorer.load(BERT, { layerFlag: '--bertscore-layer' }), /pass --bertscore-layer N, 0 to 3/);
  const dir = join(root, 'broken');
  mkdirSync(dir);
  writeRandomEncoder(dir, { modelType: 'bert', hiddenSize: 16, layers: 1, heads: 2 });
  rmSync(join(dir, 'tokenizer.json'));
  assert.throws(() => BertScorer.load(dir, { layer: 1 }), /tokenizer\.json: does not exist/);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'WordLevel', vocab: {} } }));
  assert.throws(() => BertScorer.load(dir, { layer: 1 }), /model type WordLevel is not supported/);
  assert.throws(() => BertScorer.load(join(root, 'missing'), { layer: 1 }), /missing: does not exist/);
});
