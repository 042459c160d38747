/** Stage `eval`: score every system's test predictions, and test the configured pairs of systems. */
import { rmSync } from 'node:fs';
import type { Device } from '../../engine/index.js';
import { METRIC_KINDS, evaluatePredictions, type Metric } from '../../stages/evaluate/index.js';
import type { Stage, StageContext, StageOutcome } from '../stage.js';
import { runPaths, type PipelineSetup } from './context.js';
import { modelFolder } from './pull.js';

/** The pairs to compare: as configured, else every later system against the first. */
export function comparisons(setup: Pick<PipelineSetup, 'config' | 'systems'>): [string, string][] {
  const configured = setup.config.eval.compare;
  if (configured !== null) return configured.map(([a, b]) => [a, b]);
  const [first, ...rest] = setup.systems;
  return first === undefined ? [] : rest.map((s) => [s, first]);
}

type EvalSection = PipelineSetup['config']['eval'];

async function createMetrics(e: EvalSection, bertscoreDir: string | undefined): Promise<Metric[]> {
  const createRouge = await METRIC_KINDS.rouge.load();
  const metrics: Metric[] = [];
  const common = { stemmer: e.stemmer, summarySplit: e.split };
  if (e.tokenizer !== 'unicode') metrics.push(await createRouge({ ...common, tokenizer: 'reference' }));
  if (e.tokenizer !== 'reference') metrics.push(await createRouge({ ...common, tokenizer: 'unicode' }));
  const b = e.bertscore;
  if (b !== null && bertscoreDir !== undefined) {
    const createBertScore = await METRIC_KINDS.bertscore.load();
    const { cudaAvailable } = await import('../../engine/index.js'); // libtorch only when BERTScore is asked for
    const device = b.device === 'auto' ? (cudaAvailable() ? 'cuda' : 'cpu') : (b.device as Device);
    metrics.push(await createBertScore({ model: bertscoreDir, layer: b.layer ?? undefined, idf: b.idf, baseline: b.baseline ?? undefined, batchSize: b.batch_size, device }));
  }
  return metrics;
}

function disposeAll(metrics: readonly Metric[]): void {
  for (const m of metrics) {
    const d = (m as { dispose?: unknown }).dispose;
    if (typeof d === 'function') d.call(m);
  }
}

export function evalStage(setup: PipelineSetup): Stage {
  const { config, runDir, systems } = setup;
  const pairs = comparisons(setup);
  const alone = systems.filter((s) => !pairs.some(([a, b]) => a === s || b === s));
  const outDir = runPaths.eval(runDir);
  const bs = config.eval.bertscore;
  const bertscoreDir = bs === null ? undefined : modelFolder(runDir, bs);
  const outputs = [
    ...systems.flatMap((s) => [`eval/${s}.json`, `eval/${s}.md`, `eval/${s}.scores.jsonl`]),
    ...pairs.flatMap(([a, b]) => [`eval/${a}-vs-${b}.json`, `eval/${a}-vs-${b}.md`]),
  ];

  async function evaluateAll(ctx: StageContext, metrics: Metric[]): Promise<StageOutcome> {
    const common = {
      references: runPaths.split(runDir, 'test'),
      metrics,
      // With generate.limit only the first test records of each language have predictions.
      allowMissing: config.generate.limit !== null,
      outDir,
      bootstrap: config.eval.bootstrap,
    };
    const notes = new Set<string>();
    const headline = new Map<string, string>();
    const evaluate = async (names: readonly string[]): Promise<void> => {
      const r = await evaluatePredictions({ ...common, systems: names.map((n) => ({ predictions: runPaths.predictions(runDir, n), name: n })) });
      r.notes.forEach((n) => notes.add(n));
      for (const s of r.systems) {
        const overall = s.table.rows.find((row) => row.kind === 'macro') ?? s.table.rows.find((row) => row.kind === 'language');
        const rl = overall?.scores.rougeLsum?.fmeasure.mean ?? overall?.scores.rougeLsum_unicode?.fmeasure.mean;
        if (rl !== undefined) headline.set(s.name, `${s.name} RLsum ${(100 * rl).toFixed(2)}`);
      }
    };
    for (const group of [...pairs, ...alone.map((s) => [s])]) {
      if (ctx.signal.aborted) return { status: 'interrupted' };
      await evaluate(group);
    }
    for (const n of notes) ctx.log.info(`eval: note: ${n}`);
    const scores = systems.map((s) => headline.get(s)).filter((h) => h !== undefined);
    return { status: 'done', outputs, message: `${scores.join(', ')} (F × 100, mean over languages; tables in eval/)` };
  }

  return {
    name: 'eval',
    summary: `score ${systems.join(', ')} on the test split${pairs.length > 0 ? `; test ${pairs.map(([a, b]) => `${a} against ${b}`).join(', ')}` : ''}`,
    resumable: false,
    inputs: () => ({
      config: { eval: config.eval, systems, pairs, limit: config.generate.limit },
      files: [
        runPaths.split(runDir, 'test'),
        ...systems.map((s) => runPaths.predictions(runDir, s)),
        ...(bertscoreDir !== undefined ? [bertscoreDir] : []),
        ...(bs?.baseline ? [bs.baseline] : []),
      ],
    }),
    clean: () => rmSync(outDir, { recursive: true, force: true }),
    async run(ctx) {
      const metrics = await createMetrics(config.eval, bertscoreDir);
      try {
        return await evaluateAll(ctx, metrics);
      } finally {
        disposeAll(metrics);
      }
    },
  };
}
