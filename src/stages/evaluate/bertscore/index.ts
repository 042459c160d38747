/** BERTScore (bert_score 0.3.13 semantics) on the tensor engine: the public API. */
export { BertScorer, recogniseModel, BERT_SCORE_VERSION, DEFAULT_BATCH_SIZE } from './scorer.js';
export type { BertScorerOptions, BertScoreOptions, BertScoreRun, TextPair } from './scorer.js';
export { createBertScoreMetric, BERTSCORE_COLUMN } from './metric.js';
export type { BertScoreMetric, BertScoreMetricOptions } from './metric.js';
export { readBaseline, rescale } from './baseline.js';
export type { Baseline } from './baseline.js';
export { idfFromReferences, uniformWeights } from './idf.js';
export type { IdfWeights } from './idf.js';
export { BERT_SCORE_LAYERS, bertScoreModelName, defaultLayer } from './defaults.js';
