/**
 * ROUGE speed: clinsum's scorer against a Python implementation of rouge-score 0.1.2's
 * semantics (bench/rouge/rouge_ref.py, NLTK 3.8's Porter stemmer), measured in the same run on
 * the 600 pairs of ../shared/golden/rouge/en-real.jsonl, all four types, with stemming.
 * Also checks that both produce the same numbers (and the golden ones).
 *
 *   node dist/bench/rouge/bench.js [--repeat N] [--python /usr/bin/python3] [--no-stemmer]
 *
 * Times cover scoring only (not start-up or file reading); each side reports its best of N
 * runs, each run with a fresh scorer (clinsum's stem memo starts empty every time).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RougeScorer, type RougeType } from '../../src/stages/evaluate/rouge/scorer.js';
import { goldenPath, repoRoot } from '../../src/stages/evaluate/testing.js';

const TYPES: readonly RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

interface GoldenRow {
  id: string;
  target: string;
  prediction: string;
  scores: Record<'nostem' | 'stem', Record<RougeType, [number, number, number]>>;
}

interface PythonResult {
  pairs: number;
  seconds: number;
  pairs_per_second: number;
  scores: [number, number, number][][];
}

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    python: { type: 'string', default: '/usr/bin/python3' },
    'no-stemmer': { type: 'boolean', default: false },
  },
});
const repeat = Number(values.repeat);
const stemmer = !values['no-stemmer'];
const file = goldenPath('rouge', 'en-real.jsonl');
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as GoldenRow);

// clinsum
let tsBest = Infinity;
let tsScores: [number, number, number][][] = [];
for (let r = 0; r < Math.max(repeat, 1) * 3; r++) {
  const scorer = new RougeScorer({ stemmer, types: TYPES });
  const t0 = performance.now();
  const out = rows.map((row) => scorer.score(row.target, row.prediction));
  const dt = (performance.now() - t0) / 1000;
  if (dt < tsBest) tsBest = dt;
  tsScores = out.map((s) => TYPES.map((t) => [s[t]!.precision, s[t]!.recall, s[t]!.fmeasure]));
}

// Python reference, same machine, same run
const script = join(repoRoot(), 'bench', 'rouge', 'rouge_ref.py');
const py = spawnSync(values.python!, [script, file, ...(stemmer ? ['--stemmer'] : []), '--repeat', String(Math.max(repeat, 1))], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
if (py.status !== 0) {
  process.stderr.write(`bench: the Python reference failed (${values.python}): ${py.stderr || py.error?.message}\n`);
  process.exit(1);
}
const ref = JSON.parse(py.stdout) as PythonResult;

// Agreement: clinsum vs the Python reference vs the golden file.
let maxVsPython = 0;
let maxVsGolden = 0;
const mode = stemmer ? 'stem' : 'nostem';
rows.forEach((row, i) => {
  TYPES.forEach((t, k) => {
    for (let m = 0; m < 3; m++) {
      const mine = tsScores[i]![k]![m]!;
      maxVsPython = Math.max(maxVsPython, Math.abs(mine - ref.scores[i]![k]![m]!));
      maxVsGolden = Math.max(maxVsGolden, Math.abs(mine - row.scores[mode][t][m]!));
    }
  });
});

const tsRate = rows.length / tsBest;
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`ROUGE bench: ${rows.length} pairs of en-real.jsonl, rouge1/2/L/Lsum, stemmer ${stemmer ? 'on' : 'off'}; ${cpu}, node ${process.version}`);
console.log(`  clinsum (TypeScript)        ${tsRate.toFixed(0).padStart(7)} pairs/s   (best of ${Math.max(repeat, 1) * 3}, ${(tsBest * 1000).toFixed(1)} ms)`);
console.log(`  Python reference (NLTK 3.8) ${ref.pairs_per_second.toFixed(1).padStart(7)} pairs/s   (best of ${Math.max(repeat, 1)}, ${ref.seconds.toFixed(2)} s)`);
console.log(`  ratio                       ${(tsRate / ref.pairs_per_second).toFixed(1).padStart(7)}x   (target >= 20x)`);
console.log(`  max |clinsum - Python| = ${maxVsPython}, max |clinsum - golden| = ${maxVsGolden}`);
if (maxVsPython > 1e-9 || maxVsGolden > 1e-9) {
  console.error('bench: scores disagree');
  process.exit(1);
}
