/**
 * BERTScore as a `Metric` (column `bertscore`, label `BERTScore`). Each language's pairs are
 * scored as one bert_score call of their own — idf from that language's references, matching
 * batches over that language's pairs in input order — which is what running bert_score on each
 * language's file gives, the way per-language tables are made.
 */
import type { Device } from '../../../engine/index.js';
import type { EvalPair, Metric, MetricColumn, MetricResult, PairScores, ProgressSink } from '../metric.js';
import { readBaseline, type Baseline } from './baseline.js';
import { BERT_SCORE_VERSION, BertScorer, DEFAULT_BATCH_SIZE } from './scorer.js';

export interface BertScoreMetricOptions {
  /** Hugging Face folder of a BERT, DistilBERT, RoBERTa or XLM-RoBERTa model. */
  model: string;
  /** Layer L (default: bert_score's for the model). */
  layer?: number;
  /** idf weights from the references (per language). */
  idf?: boolean;
  /** bert_score baseline file (LAYER,P,R,F) for rescaling. */
  baseline?: string;
  batchSize?: number;
  device?: Device;
  /** How messages name the layer setting (default `--layer`). */
  layerFlag?: string;
}

/** A Metric that also frees its model. */
export interface BertScoreMetric extends Metric {
  readonly scorer: BertScorer;
  dispose(): void;
}

export const BERTSCORE_COLUMN: Readonly<MetricColumn> = Object.freeze({ key: 'bertscore', label: 'BERTScore' });

const LIST = 5;

function someIds(pairs: readonly EvalPair[], indices: readonly number[]): string {
  const ids = indices.slice(0, LIST).map((i) => `"${pairs[i]!.id}"`);
  return ids.join(', ') + (indices.length > LIST ? ` and ${indices.length - LIST} more` : '');
}

export function createBertScoreMetric(options: BertScoreMetricOptions): BertScoreMetric {
  const scorer = BertScorer.load(options.model, { layer: options.layer, device: options.device, ...(options.layerFlag !== undefined && { layerFlag: options.layerFlag }) });
  let baseline: Baseline | undefined;
  try {
    baseline = options.baseline === undefined ? undefined : readBaseline(options.baseline, scorer.layer);
  } catch (e) {
    scorer.dispose();
    throw e;
  }
  const idf = options.idf ?? false;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const settings: Record<string, string | number | boolean> = {
    implementation: `clinsum port of bert_score ${BERT_SCORE_VERSION}`,
    model: scorer.modelName,
    modelType: scorer.config.modelType,
    layer: scorer.layer,
    idf,
    baseline: baseline === undefined ? 'none' : baseline.file,
    maxLength: scorer.maxLength,
    batchSize,
    hash: scorer.hash(idf, baseline !== undefined),
  };
  return {
    name: 'bertscore',
    columns: [BERTSCORE_COLUMN],
    settings: Object.freeze(settings),
    comparable: true,
    scorer,
    dispose: () => scorer.dispose(),
    async score(pairs: readonly EvalPair[], onProgress?: ProgressSink): Promise<MetricResult> {
      const byLang = new Map<string, number[]>();
      pairs.forEach((p, i) => {
        const g = byLang.get(p.lang);
        if (g === undefined) byLang.set(p.lang, [i]);
        else g.push(i);
      });
      const scores: PairScores[] = new Array<PairScores>(pairs.length);
      const truncPred: number[] = [];
      const truncRef: number[] = [];
      const empty: number[] = [];
      const zero: number[] = [];
      let before = 0;
      for (const indices of byLang.values()) {
        const run = await scorer.score(
          indices.map((i) => pairs[i]!),
          { idf, batchSize, baseline, onProgress: (done) => onProgress?.(before + done) },
        );
        run.scores.forEach((s, k) => {
          scores[indices[k]!] = { bertscore: s };
        });
        truncPred.push(...run.truncatedPredictions.map((k) => indices[k]!));
        truncRef.push(...run.truncatedReferences.map((k) => indices[k]!));
        empty.push(...run.empty.map((k) => indices[k]!));
        zero.push(...run.zeroWeight.map((k) => indices[k]!));
        before += indices.length;
      }
      const notes: string[] = [];
      const n = pairs.length;
      if (truncPred.length > 0 || truncRef.length > 0) {
        const parts = [
          truncPred.length > 0 ? `${truncPred.length} of ${n} predictions (ids ${someIds(pairs, truncPred.sort((a, b) => a - b))})` : '',
          truncRef.length > 0 ? `${truncRef.length} of ${n} references (ids ${someIds(pairs, truncRef.sort((a, b) => a - b))})` : '',
        ].filter((s) => s !== '');
        notes.push(`BERTScore: ${parts.join(' and ')} were longer than ${scorer.maxLength} tokens and were cut to their first ${scorer.maxLength} (as bert_score does)`);
      }
      if (empty.length > 0) {
        notes.push(`BERTScore: ${empty.length} pairs have an empty prediction or reference (ids ${someIds(pairs, empty.sort((a, b) => a - b))}) and score 0, as in bert_score`);
      }
      if (zero.length > 0) {
        notes.push(
          `BERTScore: in ${zero.length} pairs (ids ${someIds(pairs, zero.sort((a, b) => a - b))}) every token of the prediction or the reference has idf weight 0 (it occurs in every reference); bert_score returns NaN there, clinsum 0`,
        );
      }
      return { scores, notes };
    },
  };
}
