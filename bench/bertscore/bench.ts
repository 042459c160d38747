/**
 * BERTScore benchmark: pairs/s of clinsum's BERTScore on a distilbert-base-shaped random model
 * (6 layers, hidden 768, 12 heads, FFN 3072; layer 5 as bert_score's default) over the first
 * N pairs of ../shared/golden/rouge/en-real.jsonl, beside reference.py — the same computation
 * in Python PyTorch (transformers' DistilBERT forward and bert_score's batching, normalization
 * and greedy_cos_idf) on the same token ids and weights, same thread count, in the same run. It
 * also checks that both give the same P, R, F.
 *
 *   node dist/bench/bertscore/bench.js [--pairs 32] [--batch-size 64] [--repeat 2] [--python /usr/bin/python3] [--device cpu|cuda]
 *
 * Each side runs `repeat` times, alternating, and the fastest run of each counts (the machines
 * here are shared, so single runs move with the load).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getNumThreads, type Device } from '../../src/engine/index.js';
import { writeRandomEncoder } from '../../src/models/bert/testing.js';
import { BertScorer } from '../../src/stages/evaluate/bertscore/index.js';
import { goldenPath, repoRoot } from '../../src/stages/evaluate/testing.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '32' },
    'batch-size': { type: 'string', default: '64' },
    python: { type: 'string', default: '/usr/bin/python3' },
    device: { type: 'string', default: 'cpu' },
    repeat: { type: 'string', default: '2' },
  },
});
const repeat = Number(values.repeat);
const n = Number(values.pairs);
const batchSize = Number(values['batch-size']);
const device = values.device as Device;

const dir = mkdtempSync(join(tmpdir(), 'clinsum-bench-bertscore-'));
try {
  const model = join(dir, 'distilbert-base-uncased');
  writeRandomEncoder(model, { modelType: 'distilbert', hiddenSize: 768, layers: 6, heads: 12, intermediateSize: 3072, maxTokens: 512, seed: 1, layerNormStd: 0.1 });
  const rows = readFileSync(goldenPath('rouge', 'en-real.jsonl'), 'utf8').trim().split('\n').slice(0, n).map((l) => JSON.parse(l) as { target: string; prediction: string });
  const pairs = rows.map((r) => ({ reference: r.target, prediction: r.prediction }));

  const scorer = BertScorer.load(model, { device });
  const tokens = pairs.reduce((a, p) => a + scorer.encode(p.prediction).ids.length + scorer.encode(p.reference).ids.length, 0);
  await scorer.score(pairs.slice(0, 2), { batchSize }); // warm-up
  const job = join(dir, 'job.json');
  writeFileSync(
    job,
    JSON.stringify({
      model,
      layer: scorer.layer,
      batch_size: batchSize,
      threads: getNumThreads(),
      device,
      cls: scorer.tokenizer.clsId,
      sep: scorer.tokenizer.sepId,
      pad: scorer.config.padTokenId,
      preds: pairs.map((p) => scorer.encode(p.prediction).ids),
      refs: pairs.map((p) => scorer.encode(p.reference).ids),
    }),
  );
  let ours = Infinity;
  let run: Awaited<ReturnType<BertScorer['score']>> | undefined;
  let ref: { seconds: number; P: number[]; R: number[]; F: number[]; torch: string } | undefined;
  for (let k = 0; k < repeat; k++) {
    const t0 = performance.now();
    run = await scorer.score(pairs, { batchSize });
    ours = Math.min(ours, (performance.now() - t0) / 1000);
    const py = spawnSync(values.python, [join(repoRoot(), 'bench', 'bertscore', 'reference.py'), job], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (py.status !== 0) throw new Error(`reference.py failed: ${py.stderr}`);
    const r = JSON.parse(py.stdout) as NonNullable<typeof ref>;
    if (ref === undefined || r.seconds < ref.seconds) ref = r;
  }
  scorer.dispose();
  if (run === undefined || ref === undefined) throw new Error('--repeat must be at least 1');
  let worst = 0;
  run.scores.forEach((s, i) => {
    worst = Math.max(worst, Math.abs(s.precision - ref.P[i]!), Math.abs(s.recall - ref.R[i]!), Math.abs(s.fmeasure - ref.F[i]!));
  });
  console.log(`BERTScore, ${n} pairs of en-real.jsonl (${tokens} tokens with specials, cut at 512), distilbert-base shape, layer 5, batch ${batchSize}, ${getNumThreads()} thread(s), ${device}`);
  console.log(`  clinsum:          ${(n / ours).toFixed(2)} pairs/s (${ours.toFixed(2)} s, best of ${repeat})`);
  console.log(`  PyTorch ${ref.torch}: ${(n / ref.seconds).toFixed(2)} pairs/s (${ref.seconds.toFixed(2)} s, best of ${repeat})`);
  console.log(`  ratio clinsum / PyTorch: ${(ref.seconds / ours).toFixed(2)}`);
  console.log(`  largest |difference| of P, R, F: ${worst.toExponential(2)}`);
  if (!(worst < 1e-4)) {
    console.error('clinsum and the PyTorch reference disagree');
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
