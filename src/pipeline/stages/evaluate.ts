/** Stage `eval`: score every system's test predictions, and test the configured pairs of systems. */
import { rmSync } from 'node:fs';
import { METRIC_KINDS, evaluatePredictions, type Metric } from '../../stages/evaluate/index.js';
import type { Stage } from '../stage.js';
import { runPaths, type PipelineSetup } from './context.js';

/** The pairs to compare: as configured, else every later system against the first. */
export function comparisons(setup: Pick<PipelineSetup, 'config' | 'systems'>): [string, string][] {
  const configured = setup.config.eval.compare;
  if (configured !== null) return configured.map(([a, b]) => [a, b]);
  const [first, ...rest] = setup.systems;
  return first === undefined ? [] : rest.map((s) => [s, first]);
}

async function createMetrics(e: PipelineSetup['config']['eval']): Promise<Metric[]> {
  const createRouge = await METRIC_KINDS.rouge.load();
  const metrics: Metric[] = [];
  const common = { stemmer: e.stemmer, summarySplit: e.split };
  if (e.tokenizer !== 'unicode') metrics.push(await createRouge({ ...common, tokenizer: 'reference' }));
  if (e.tokenizer !== 'reference') metrics.push(await createRouge({ ...common, tokenizer: 'unicode' }));
  return metrics;
}

export function evalStage(setup: PipelineSetup): Stage {
  const { config, runDir, systems } = setup;
  const pairs = comparisons(setup);
  const alone = systems.filter((s) => !pairs.some(([a, b]) => a === s || b === s));
  const outDir = runPaths.eval(runDir);
  const outputs = [
    ...systems.flatMap((s) => [`eval/${s}.json`, `eval/${s}.md`, `eval/${s}.scores.jsonl`]),
    ...pairs.flatMap(([a, b]) => [`eval/${a}-vs-${b}.json`, `eval/${a}-vs-${b}.md`]),
  ];
  return {
    name: 'eval',
    summary: `score ${systems.join(', ')} on the test split${pairs.length > 0 ? `; ${pairs.map(([a, b]) => `${a} vs ${b}`).join(', ')}` : ''}`,
    resumable: false,
    inputs: () => ({
      config: { eval: config.eval, systems, pairs, limit: config.generate.limit },
      files: [runPaths.split(runDir, 'test'), ...systems.map((s) => runPaths.predictions(runDir, s))],
    }),
    clean: () => rmSync(outDir, { recursive: true, force: true }),
    async run(ctx) {
      const metrics = await createMetrics(config.eval);
      const common = {
        references: runPaths.split(runDir, 'test'),
        metrics,
        // With generate.limit only the first test records per language have predictions.
        allowMissing: config.generate.limit !== null,
        outDir,
        bootstrap: config.eval.bootstrap,
      };
      const notes = new Set<string>();
      const headline: string[] = [];
      const runOne = async (names: string[]): Promise<void> => {
        if (ctx.signal.aborted) return;
        const r = await evaluatePredictions({ ...common, systems: names.map((n) => ({ predictions: runPaths.predictions(runDir, n), name: n })) });
        r.notes.forEach((n) => notes.add(n));
        for (const s of r.systems) {
          const overall = s.table.rows.find((row) => row.kind === 'macro') ?? s.table.rows.find((row) => row.kind === 'language');
          const rl = overall?.scores.rougeLsum?.fmeasure.mean ?? overall?.scores.rougeLsum_unicode?.fmeasure.mean;
          if (rl !== undefined && !headline.some((h) => h.startsWith(`${s.name} `))) headline.push(`${s.name} RLsum ${(100 * rl).toFixed(2)}`);
        }
      };
      for (const [a, b] of pairs) await runOne([a, b]);
      for (const s of alone) await runOne([s]);
      if (ctx.signal.aborted) return { status: 'interrupted' };
      for (const n of notes) ctx.log.info(`eval: note: ${n}`);
      return { status: 'done', outputs, message: `${headline.join(', ')} (F × 100, macro average over languages; tables in eval/)` };
    },
  };
}
