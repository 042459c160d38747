/**
 * Benchmark: clinsum's trainer beside the published recipe's batching, on the same engine, the
 * same small student and the same reports, in the same run.
 *
 * - clinsum: `train()` itself — length-grouped micro-batches under `batch.max_tokens`, right
 *   padding to the batch's longest example, both tasks in one forward pass, logits only at the
 *   supervised positions.
 * - recipe (the published code's batching): every example padded to 3078 tokens, batch size 1,
 *   two forward/backward passes per step (summarization, then extraction, weighted γ and 1−γ),
 *   logits at every position (as a Hugging Face model computes them), the same AdamW update.
 *
 * Figure: useful tokens/s — supervised (assistant) tokens trained per second, identical work
 * for both sides — and peak resident memory (RSS) of the process. Each side runs in its own
 * process (so the peaks are its own), in alternating order, `--rounds` times; the first step is
 * a warm-up and not timed. Times are CPU seconds of the process (user + system: steadier on a
 * shared machine than wall time; libtorch uses the threads it would use in PyTorch) and wall
 * seconds. The shared data has no key information, so the summary stands in as the `ext` target
 * (as in bench/format). Target: clinsum ≥ 3× the recipe's useful tokens/s.
 *
 *   npm run build && node dist/bench/train/train.js [--records 6] [--rounds 2] [--hidden 128] [--layers 4] [--epochs 3]
 *
 * clinsum trains `--epochs` epochs (default 3, the paper's) and the recipe one: each rate is
 * measured over its own steps, on the same reports.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readDataset } from '../../src/data/index.js';
import { getNumThreads } from '../../src/engine/index.js';
import { toJsonl } from '../../src/util/jsonl.js';
import { Prng } from '../../src/util/prng.js';
import { multiclinsumPath } from '../../src/util/shared-data.js';
import { loadTokenizer } from '../../src/models/tokenizer/index.js';
import { ConfigBuilder, loadTrainingSet, planEpoch, unitsByRecord } from '../../src/stages/train/index.js';
import { QWEN25_05B, benchShape, describe, epochFlops, writeBenchModel, type Shape } from './model.js';
import { RECIPE_LENGTH, runClinsum, runIdle, runRecipe, type SideResult } from './sides.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '2' },
    hidden: { type: 'string', default: '128' },
    layers: { type: 'string', default: '4' },
    epochs: { type: 'string', default: '3' },
    child: { type: 'string' },
    dir: { type: 'string' },
  },
});

if (values.child !== undefined) {
  const dir = values.dir!;
  const r = values.child === 'clinsum' ? await runClinsum(dir, Number(values.epochs)) : values.child === 'recipe' ? runRecipe(dir) : runIdle(dir);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}

const records = Number(values.records);
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), 'clinsum-bench-train-'));
try {
  const all = readDataset([multiclinsumPath('multiclinsum_gs_train_en')]).records;
  const picked = new Prng(42).shuffle([...all]).slice(0, records);
  writeFileSync(join(dir, 'train.jsonl'), toJsonl(picked.map((r) => ({ id: r.id, lang: r.lang, report: r.report, summary: r.summary }))));
  writeFileSync(join(dir, 'keyinfo.jsonl'), toJsonl(picked.map((r) => ({ id: r.id, lang: r.lang, keyinfo: r.summary }))));
  const shapeOf = benchShape(Number(values.hidden), Number(values.layers));
  writeBenchModel(join(dir, 'model'), shapeOf);
  const shape = describe(shapeOf);

  const self = fileURLToPath(import.meta.url);
  const child = (side: string): string => {
    const p = spawnSync(process.execPath, [self, '--child', side, '--dir', dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (p.status !== 0) throw new Error(`${side} failed (${p.status}): ${p.stderr}`);
    return p.stdout.trim().split('\n').pop()!;
  };
  const idle = (JSON.parse(child('idle')) as { peakRssMiB: number }).peakRssMiB;
  const results: Record<'clinsum' | 'recipe', SideResult[]> = { clinsum: [], recipe: [] };
  for (let round = 0; round < rounds; round++) {
    const order: ('clinsum' | 'recipe')[] = round % 2 === 0 ? ['clinsum', 'recipe'] : ['recipe', 'clinsum'];
    for (const side of order) {
      const r = JSON.parse(child(side)) as SideResult;
      results[side].push(r);
      process.stderr.write(`round ${round + 1} ${side}: ${r.usefulTokens} useful tokens in ${r.cpuSeconds.toFixed(1)} CPU s (${(r.usefulTokens / r.cpuSeconds).toFixed(1)}/s), peak RSS ${r.peakRssMiB.toFixed(0)} MiB\n`);
    }
  }
  const best = (xs: SideResult[]) => ({
    cpu: Math.max(...xs.map((r) => r.usefulTokens / r.cpuSeconds)),
    wall: Math.max(...xs.map((r) => r.usefulTokens / r.wallSeconds)),
    rss: Math.max(...xs.map((r) => r.peakRssMiB)),
    growth: Math.max(...xs.map((r) => r.peakRssMiB)) - idle,
    steps: xs[0]!.steps,
    padded: xs[0]!.paddedTokens,
    input: xs[0]!.inputTokens,
    useful: xs[0]!.usefulTokens,
  });
  const c = best(results.clinsum);
  const p = best(results.recipe);

  // The work each side must do per epoch, counted: clinsum's batches (an epoch's real plan: rows
  // padded to their batch's longest example) with the head at the supervised positions; the
  // recipe's rows of 3078 tokens with the head everywhere. On the timed reports and on all 592.
  const d = new ConfigBuilder().build();
  const tok = loadTokenizer(join(dir, 'model'));
  const workRatio = (file: string, keyinfo: string, s: Shape): number => {
    const exs = loadTrainingSet(file, keyinfo, tok, { gamma: d.gamma, layout: d.layout, prompts: d.prompts, budgets: d.budgets }).examples;
    const lengths = exs.map((e) => e.inputIds.length);
    const plan = planEpoch(lengths, unitsByRecord(exs.map((e) => e.id)), { maxTokens: d.batch.max_tokens, groupSize: d.batch.group_size }, new Prng(d.seed));
    const supervised = exs.reduce((n, e) => n + e.labelCount, 0);
    const ours = epochFlops(s, plan.map((b) => ({ rows: b.length, length: Math.max(...b.map((i) => lengths[i]!)) })), supervised);
    const recipe = epochFlops(s, exs.map(() => ({ rows: 1, length: RECIPE_LENGTH })), exs.length * RECIPE_LENGTH);
    return recipe / ours;
  };
  writeFileSync(join(dir, 'all.jsonl'), toJsonl(all.map((r) => ({ id: r.id, lang: r.lang, report: r.report, summary: r.summary }))));
  writeFileSync(join(dir, 'all-keyinfo.jsonl'), toJsonl(all.map((r) => ({ id: r.id, lang: r.lang, keyinfo: r.summary }))));
  const timedWork = (s: Shape) => workRatio(join(dir, 'train.jsonl'), join(dir, 'keyinfo.jsonl'), s);
  const allWork = (s: Shape) => workRatio(join(dir, 'all.jsonl'), join(dir, 'all-keyinfo.jsonl'), s);
  const row = (name: string, a: string, b: string, ratio: string) => `| ${name} | ${a} | ${b} | ${ratio} |`;
  const lines = [
    `model: ${shape}; ${records} reports; ${c.useful} / ${p.useful} supervised tokens timed; libtorch threads ${getNumThreads()}`,
    '',
    '| figure | clinsum | recipe (pad 3078, batch 1, 2 passes) | ratio |',
    '| --- | --- | --- | --- |',
    row('useful tokens / CPU s', c.cpu.toFixed(1), p.cpu.toFixed(1), `${(c.cpu / p.cpu).toFixed(2)}×`),
    row('useful tokens / wall s', c.wall.toFixed(1), p.wall.toFixed(1), `${(c.wall / p.wall).toFixed(2)}×`),
    row('peak RSS, MiB', c.rss.toFixed(0), p.rss.toFixed(0), `${(c.rss / p.rss).toFixed(2)}×`),
    row(`peak RSS above loading (${idle.toFixed(0)} MiB), MiB`, c.growth.toFixed(0), p.growth.toFixed(0), `${(c.growth / p.growth).toFixed(2)}×`),
    row('optimizer steps (timed)', String(c.steps), String(p.steps), ''),
    row('real / padded input tokens', (c.input / c.padded).toFixed(3), (p.input / p.padded).toFixed(3), ''),
    '',
    `work per epoch, recipe / clinsum (FLOPs counted): ${timedWork(shapeOf).toFixed(2)}× for this model on these reports; for the Qwen2.5-0.5B shape ${timedWork(QWEN25_05B).toFixed(2)}× on these reports, ${allWork(QWEN25_05B).toFixed(2)}× on all ${all.length}`,
    `target: useful tokens/s ≥ 3× the recipe — ${c.cpu / p.cpu >= 3 ? 'met' : 'NOT met'} (${(c.cpu / p.cpu).toFixed(2)}×)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
