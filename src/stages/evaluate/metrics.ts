/**
 * The metrics clinsum can evaluate with, as a frozen table of lazy loaders (so that a ROUGE run
 * never loads libtorch). Each entry yields a factory from typed options to a `Metric`; a new
 * metric (BERTScore on the tensor engine) is one more entry here, and `eval` runs whatever
 * metrics its flags ask for.
 */
import type { Metric } from './metric.js';
import type { RougeMetricOptions } from './rouge/metric.js';
import type { BertScoreMetricOptions } from './bertscore/metric.js';

export interface MetricKind<Options> {
  readonly summary: string;
  readonly load: () => Promise<(options: Options) => Metric | Promise<Metric>>;
}

export const METRIC_KINDS = Object.freeze({
  rouge: {
    summary: "ROUGE-1/2/L/Lsum with Google rouge-score 0.1.2's semantics (or clinsum's multilingual tokenizer)",
    load: async () => (await import('./rouge/metric.js')).createRougeMetric,
  } satisfies MetricKind<RougeMetricOptions>,
  bertscore: {
    summary: "BERTScore P/R/F with bert_score 0.3.13's semantics, on a local BERT, DistilBERT, RoBERTa or XLM-R folder",
    load: async () => (await import('./bertscore/metric.js')).createBertScoreMetric,
  } satisfies MetricKind<BertScoreMetricOptions>,
});

export type MetricKindName = keyof typeof METRIC_KINDS;
