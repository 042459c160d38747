/** Public API of the evaluation stage. */
export { porterStem } from './rouge/porter.js';
export { referenceTokens, unicodeTokens, tokenize, TOKENIZERS } from './rouge/tokenize.js';
export type { TokenizerName, Stem } from './rouge/tokenize.js';
export { snowballStemmer, SNOWBALL_LANGUAGES } from './rouge/snowball.js';
export { splitSummary, splitLines, splitSentences, SUMMARY_SPLITS } from './rouge/sentences.js';
export type { SummarySplit } from './rouge/sentences.js';
export { RougeScorer, scoreRouge, DEFAULT_ROUGE_TYPES, isRougeType } from './rouge/scorer.js';
export type { RougeOptions, RougeScores, RougeType } from './rouge/scorer.js';
export { createRougeMetric, rougeColumnKey, rougeLabel } from './rouge/metric.js';
export type { RougeMetricOptions } from './rouge/metric.js';
export { fmeasure, prf, MEASURES } from './prf.js';
export type { Prf, Measure } from './prf.js';
export { scoreWithMetrics, metricColumns } from './metric.js';
export type { EvalPair, Metric, MetricColumn, MetricResult, PairScores, ProgressSink } from './metric.js';
export { METRIC_KINDS } from './metrics.js';
export type { MetricKind, MetricKindName } from './metrics.js';
export { bootstrapMeans, intervalOf, percentileSorted, resolveBootstrap, DEFAULT_BOOTSTRAP } from './bootstrap.js';
export type { BootstrapOptions, ResolvedBootstrap, Interval } from './bootstrap.js';
export { pairedBootstrap, pairedBootstrapStrata } from './significance.js';
export type { PairedBootstrapResult, PairedSample } from './significance.js';
export { aggregateTable, renderTableMarkdown, renderDetailedMarkdown, formatFixed, formatScore } from './table.js';
export type { ResultTable, TableRow, Stat, PrfStats, ScoredPair } from './table.js';
export { readPairsFile, readPredictions, readReferences, joinPredictions } from './pairs.js';
export type { JoinOptions, JoinResult, PredictionRow, ReferenceRow } from './pairs.js';
export {
  evaluatePairsFile,
  evaluatePredictions,
  renderComparisonMarkdown,
  renderSystemMarkdown,
  systemName,
} from './run.js';
export type {
  Comparison,
  ComparisonRow,
  EvaluateOptions,
  Evaluation,
  EvalProgress,
  MetricInfo,
  PairsEvaluation,
  PairsEvaluationOptions,
  SystemEvaluation,
  SystemInput,
} from './run.js';
