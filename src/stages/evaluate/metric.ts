/**
 * The interface every evaluation metric implements (ROUGE today, BERTScore on the tensor engine
 * next), so that `evaluatePairs`, the result tables and the significance tests take any metric.
 *
 * A metric scores a batch of pairs at once (BERTScore needs the whole batch for idf weights and
 * runs on a GPU in batches) and reports, for each pair, one `Prf` per column it owns. Column
 * keys are unique across the metrics of one evaluation: they name the fields of per-pair output
 * lines and of the JSON tables (`rouge1`, `rougeLsum`, `rouge1_unicode`, `bertscore`).
 */
import type { Prf } from './prf.js';

/** One reference–prediction pair to score. Texts are never logged or put in error messages. */
export interface EvalPair {
  id: string;
  lang: string;
  reference: string;
  prediction: string;
}

/** A column of the result tables: one `Prf` per pair. */
export interface MetricColumn {
  /** Field name in files, e.g. `rouge1`, `rouge1_unicode`, `bertscore`. */
  key: string;
  /** Header in Markdown tables, e.g. `R1`, `R1 (unicode)`, `BERTScore`. */
  label: string;
}

/** A column key → score map for one pair. */
export type PairScores = Record<string, Prf>;

export interface MetricResult {
  /** `scores[i]` belongs to `pairs[i]` and has every column of the metric. */
  scores: PairScores[];
  /** Remarks for the user about this run (e.g. languages left unstemmed, texts truncated). */
  notes: string[];
}

export interface ProgressSink {
  /** Called with the number of pairs scored so far. */
  (done: number): void;
}

export interface Metric {
  /** Short name, e.g. `rouge`, `rouge-unicode`, `bertscore`. */
  readonly name: string;
  readonly columns: readonly MetricColumn[];
  /** The settings that decide the numbers (tokenizer, stemmer, model, layer, ...), for the files. */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  /** Whether the numbers are comparable with the official tool's (false for clinsum-only variants). */
  readonly comparable: boolean;
  score(pairs: readonly EvalPair[], onProgress?: ProgressSink): Promise<MetricResult>;
}

/** Scores of every metric for every pair, merged by column. Throws on a column key clash. */
export async function scoreWithMetrics(
  metrics: readonly Metric[],
  pairs: readonly EvalPair[],
  onProgress?: (metric: string, done: number) => void,
): Promise<{ scores: PairScores[]; notes: string[] }> {
  const seen = new Set<string>();
  for (const m of metrics) {
    for (const c of m.columns) {
      if (seen.has(c.key)) throw new Error(`metric column "${c.key}" is produced twice (by ${m.name} and another metric)`);
      seen.add(c.key);
    }
  }
  const scores: PairScores[] = pairs.map(() => ({}));
  const notes: string[] = [];
  for (const m of metrics) {
    const r = await m.score(pairs, onProgress === undefined ? undefined : (done) => onProgress(m.name, done));
    if (r.scores.length !== pairs.length) throw new Error(`metric ${m.name} returned ${r.scores.length} scores for ${pairs.length} pairs`);
    r.scores.forEach((s, i) => Object.assign(scores[i]!, s));
    notes.push(...r.notes);
  }
  return { scores, notes };
}

/** All columns of `metrics`, in order. */
export function metricColumns(metrics: readonly Metric[]): MetricColumn[] {
  return metrics.flatMap((m) => m.columns);
}
