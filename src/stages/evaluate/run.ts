/**
 * The evaluation stage: score pair files (`eval rouge --pairs`) or join prediction files to a
 * reference file and score them with any metrics (`eval --pred --ref`), aggregate per language,
 * compare two systems with a paired bootstrap, and write the results as JSON, Markdown and
 * per-pair JSONL.
 */
import { basename, join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../util/fs.js';
import { writeJsonlAtomic } from '../../util/jsonl.js';
import { InputError } from '../../util/errors.js';
import { groupPrng, resolveBootstrap, type BootstrapOptions, type ResolvedBootstrap } from './bootstrap.js';
import { metricColumns, scoreWithMetrics, type EvalPair, type Metric, type MetricColumn, type PairScores } from './metric.js';
import { joinPredictions, readPairsFile, readPredictions, readReferences } from './pairs.js';
import { pairedBootstrapStrata, type PairedBootstrapResult } from './significance.js';
import { aggregateTable, formatScore, MACRO_LABEL, renderTableMarkdown, type ResultTable, type ScoredPair } from './table.js';

/** What a metric was, for result files. */
export interface MetricInfo {
  name: string;
  columns: MetricColumn[];
  settings: Record<string, string | number | boolean>;
  comparable: boolean;
}

export function metricInfo(m: Metric): MetricInfo {
  return { name: m.name, columns: [...m.columns], settings: { ...m.settings }, comparable: m.comparable };
}

/** Called as pairs get scored: which system (file name) and metric, and how far. */
export type EvalProgress = (event: { system: string; metric: string; done: number; total: number }) => void;

/** One output line of per-pair scores: `{id, lang, <column>: {precision, recall, fmeasure}, ...}`. */
export function pairScoreLine(pair: Pick<EvalPair, 'id' | 'lang'>, scores: PairScores, columns: readonly MetricColumn[]): Record<string, unknown> {
  const line: Record<string, unknown> = { id: pair.id, lang: pair.lang };
  for (const c of columns) line[c.key] = scores[c.key];
  return line;
}

// ---------------------------------------------------------------------------------------------
// eval rouge --pairs

export interface PairsEvaluationOptions {
  pairsFile: string;
  metrics: readonly Metric[];
  /** Per-pair scores, one JSON line a pair. */
  outFile?: string;
  bootstrap?: BootstrapOptions;
  onProgress?: EvalProgress;
}

export interface PairsEvaluation {
  pairsFile: string;
  pairs: number;
  metrics: MetricInfo[];
  table: ResultTable;
  notes: string[];
}

/** Score every pair of a pair file with `metrics`; aggregate per language. */
export async function evaluatePairsFile(options: PairsEvaluationOptions): Promise<PairsEvaluation> {
  const bootstrap = resolveBootstrap(options.bootstrap);
  const pairs = readPairsFile(options.pairsFile);
  const columns = metricColumns(options.metrics);
  const system = basename(options.pairsFile);
  const { scores, notes } = await scoreWithMetrics(options.metrics, pairs, (metric, done) =>
    options.onProgress?.({ system, metric, done, total: pairs.length }),
  );
  if (options.outFile !== undefined) {
    writeJsonlAtomic(
      options.outFile,
      pairs.map((p, i) => pairScoreLine(p, scores[i]!, columns)),
    );
  }
  const scored = pairs.map((p, i) => ({ id: p.id, lang: p.lang, scores: scores[i]! }));
  return {
    pairsFile: options.pairsFile,
    pairs: pairs.length,
    metrics: options.metrics.map(metricInfo),
    table: aggregateTable(scored, columns, bootstrap),
    notes,
  };
}

// ---------------------------------------------------------------------------------------------
// eval --pred --ref [--compare A B]

export interface SystemInput {
  /** Name in tables and output file names; default: the file name without `.jsonl[.gz]`. */
  name?: string;
  /** Prediction file: `{id, lang, prediction}` a line. */
  predictions: string;
}

export interface EvaluateOptions {
  /** Reference file: `{id, lang, summary}` a line. */
  references: string;
  /** One system, or two to compare (A first). */
  systems: readonly SystemInput[];
  metrics: readonly Metric[];
  /** Score the pairs that match instead of failing on a difference of id sets. */
  allowMissing?: boolean;
  /** Where `<name>.json`, `<name>.md`, `<name>.scores.jsonl` (and `<A>-vs-<B>.*`) go. */
  outDir?: string;
  bootstrap?: BootstrapOptions;
  onProgress?: EvalProgress;
}

export interface SystemEvaluation {
  name: string;
  predictions: string;
  pairs: number;
  /** How many references had no prediction (only with allowMissing). */
  referencesWithoutPrediction: number;
  /** How many predictions had no reference (only with allowMissing). */
  predictionsWithoutReference: number;
  /** The languages scored, sorted: the language rows, and what the macro average is the mean of. */
  languages: string[];
  /** Languages of the references with no prediction at all (only with allowMissing), sorted; not in the macro average. */
  languagesWithoutPrediction: string[];
  table: ResultTable;
}

/** One line of a comparison: the paired bootstrap (significance.ts) of one column for one language or the macro average. */
export interface ComparisonRow extends PairedBootstrapResult {
  /** Language code or `macro avg`. */
  label: string;
  kind: 'language' | 'macro';
  column: string;
}

export interface Comparison {
  a: string;
  b: string;
  method: string;
  measure: 'fmeasure';
  bootstrap: ResolvedBootstrap;
  /** Pairs that both systems predicted. */
  pairs: number;
  rows: ComparisonRow[];
}

export interface Evaluation {
  references: string;
  metrics: MetricInfo[];
  systems: SystemEvaluation[];
  comparison?: Comparison;
  notes: string[];
  /** Files written under outDir. */
  files: string[];
}

export const COMPARISON_METHOD =
  'paired bootstrap (Koehn 2004): resample pair indices with replacement; p = share of resamples whose mean difference does not keep the observed sign';

/** `predictions/qwen-0.5b.jsonl.gz` → `qwen-0.5b`, with characters unsafe in file names replaced. */
export function systemName(file: string): string {
  const base = basename(file).replace(/\.gz$/, '').replace(/\.(jsonl|json|ndjson)$/, '');
  return base.replace(/[^A-Za-z0-9._-]+/g, '_') || 'predictions';
}

interface ScoredSystem {
  evaluation: SystemEvaluation;
  pairs: EvalPair[];
  scores: PairScores[];
}

/** Join, score and aggregate every system; compare two; write the files. */
export async function evaluatePredictions(options: EvaluateOptions): Promise<Evaluation> {
  if (options.systems.length < 1 || options.systems.length > 2) throw new RangeError('evaluatePredictions takes one or two systems');
  const bootstrap = resolveBootstrap(options.bootstrap);
  const references = readReferences(options.references);
  const columns = metricColumns(options.metrics);
  const notes = new Set<string>();

  const names = options.systems.map((s) => s.name ?? systemName(s.predictions));
  if (names.length === 2 && names[0] === names[1]) names[1] = `${names[1]}-2`;

  const scored: ScoredSystem[] = [];
  for (let k = 0; k < options.systems.length; k++) {
    const sys = options.systems[k]!;
    const name = names[k]!;
    const join = joinPredictions(readPredictions(sys.predictions), references, {
      predictionsFile: sys.predictions,
      referencesFile: options.references,
      allowMissing: options.allowMissing,
    });
    const r = await scoreWithMetrics(options.metrics, join.pairs, (metric, done) =>
      options.onProgress?.({ system: name, metric, done, total: join.pairs.length }),
    );
    r.notes.forEach((n) => notes.add(n));
    if (join.referencesWithoutPrediction.length > 0) {
      notes.add(`${name}: ${join.referencesWithoutPrediction.length} of ${references.length} references have no prediction and were left out (--allow-missing)`);
    }
    if (join.predictionsWithoutReference.length > 0) {
      notes.add(`${name}: ${join.predictionsWithoutReference.length} predictions have no reference and were left out (--allow-missing)`);
    }
    const languages = [...new Set(join.pairs.map((p) => p.lang))].sort();
    // References without `lang` have no language of their own until a prediction gives one.
    const refLangs = new Set(references.flatMap((r) => (r.lang === undefined ? [] : [r.lang])));
    const languagesWithoutPrediction = [...refLangs].filter((l) => !languages.includes(l)).sort();
    if (languagesWithoutPrediction.length > 0) {
      notes.add(
        `${name}: ${languagesWithoutPrediction.join(', ')} ${languagesWithoutPrediction.length === 1 ? 'has' : 'have'} references but no prediction (--allow-missing); ` +
          (languages.length > 1 ? `the macro average is over ${languages.join(', ')} only` : `only ${languages[0]} is scored, so there is no macro average`),
      );
    }
    const table = aggregateTable(
      join.pairs.map((p, i): ScoredPair => ({ id: p.id, lang: p.lang, scores: r.scores[i]! })),
      columns,
      bootstrap,
    );
    scored.push({
      evaluation: {
        name,
        predictions: sys.predictions,
        pairs: join.pairs.length,
        referencesWithoutPrediction: join.referencesWithoutPrediction.length,
        predictionsWithoutReference: join.predictionsWithoutReference.length,
        languages,
        languagesWithoutPrediction,
        table,
      },
      pairs: join.pairs,
      scores: r.scores,
    });
  }

  const comparison = scored.length === 2 ? compareSystems(scored[0]!, scored[1]!, columns, bootstrap) : undefined;
  const evaluation: Evaluation = {
    references: options.references,
    metrics: options.metrics.map(metricInfo),
    systems: scored.map((s) => s.evaluation),
    comparison,
    notes: [...notes],
    files: [],
  };
  if (options.outDir !== undefined) evaluation.files = writeEvaluation(options.outDir, evaluation, scored, columns);
  return evaluation;
}

function pairKey(p: Pick<EvalPair, 'id' | 'lang'>): string {
  return `${p.lang}\u0000${p.id}`;
}

/** Paired bootstrap per language and column (F-measure), plus the stratified macro test. */
function compareSystems(a: ScoredSystem, b: ScoredSystem, columns: readonly MetricColumn[], bootstrap: ResolvedBootstrap): Comparison {
  const bIndex = new Map(b.pairs.map((p, i) => [pairKey(p), i]));
  // Pairs both systems scored, grouped by language, in A's order.
  const byLang = new Map<string, [number, number][]>();
  for (let i = 0; i < a.pairs.length; i++) {
    const p = a.pairs[i]!;
    const j = bIndex.get(pairKey(p));
    if (j === undefined) continue;
    const g = byLang.get(p.lang);
    if (g === undefined) byLang.set(p.lang, [[i, j]]);
    else g.push([i, j]);
  }
  if (byLang.size === 0) {
    throw new InputError(
      { file: b.evaluation.predictions },
      `shares no scored pair with ${a.evaluation.predictions}`,
      'compare two prediction files of the same split',
    );
  }
  const langs = [...byLang.keys()].sort();
  const rows: ComparisonRow[] = [];
  for (const col of columns) {
    const strata = langs.map((lang) => {
      const idx = byLang.get(lang)!;
      return {
        a: idx.map(([i]) => a.scores[i]![col.key]!.fmeasure),
        b: idx.map(([, j]) => b.scores[j]![col.key]!.fmeasure),
      };
    });
    langs.forEach((lang, k) => {
      const r = pairedBootstrapStrata([strata[k]!], [groupPrng(bootstrap.seed, `compare ${lang}`)], bootstrap.samples, bootstrap.confidence);
      rows.push({ label: lang, kind: 'language', column: col.key, ...r });
    });
    if (langs.length > 1) {
      const rngs = langs.map((lang) => groupPrng(bootstrap.seed, `compare macro ${lang}`));
      const r = pairedBootstrapStrata(strata, rngs, bootstrap.samples, bootstrap.confidence);
      rows.push({ label: MACRO_LABEL, kind: 'macro', column: col.key, ...r });
    }
  }
  return {
    a: a.evaluation.name,
    b: b.evaluation.name,
    method: COMPARISON_METHOD,
    measure: 'fmeasure',
    bootstrap,
    pairs: [...byLang.values()].reduce((n, g) => n + g.length, 0),
    rows,
  };
}

/** p as a short string: `<0.001` for 0 with 1000 resamples. */
export function formatP(p: number, samples: number): string {
  if (p === 0) return `<${1 / samples}`;
  return p.toFixed(3);
}

/** The comparison as a Markdown table (F × 100). */
export function renderComparisonMarkdown(c: Comparison, columns: readonly MetricColumn[]): string {
  const pct = Math.round(c.bootstrap.confidence * 1000) / 10;
  const lines = [
    `| Language | Metric | Pairs | ${c.a} | ${c.b} | Δ (A − B) | Δ ${pct}% CI | p |`,
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const labels = new Map(columns.map((col) => [col.key, col.label]));
  const order = [...new Set(c.rows.map((r) => r.label))];
  for (const label of order) {
    for (const r of c.rows.filter((x) => x.label === label)) {
      const lang = r.kind === 'language' ? r.label : `*${r.label}*`;
      lines.push(
        `| ${lang} | ${labels.get(r.column) ?? r.column} | ${r.pairs} | ${formatScore(r.meanA)} | ${formatScore(r.meanB)} | ${formatScore(r.delta)} | ${formatScore(r.low)} … ${formatScore(r.high)} | ${formatP(r.p, c.bootstrap.samples)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Lines under a table that say how the numbers were made. */
export function describeSettings(metrics: readonly MetricInfo[], bootstrap: ResolvedBootstrap): string[] {
  const lines = ['Cells: F-measure × 100, mean over pairs; the macro average is the mean of the language means.'];
  for (const m of metrics) {
    const settings = Object.entries(m.settings)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ');
    lines.push(
      `${m.name} (${m.columns.map((c) => c.label).join(', ')}): ${settings}.${m.comparable ? '' : ' Not comparable with numbers from the official tool.'}`,
    );
  }
  lines.push(
    `Intervals (JSON): ${Math.round(bootstrap.confidence * 1000) / 10}% bootstrap percentile intervals of the mean, ${bootstrap.samples} resamples, clinsum Prng seed ${bootstrap.seed}.`,
  );
  return lines;
}

/** The Markdown document of one system. */
export function renderSystemMarkdown(s: SystemEvaluation, e: Pick<Evaluation, 'references' | 'metrics' | 'notes'>): string {
  const skipped: string[] = [];
  if (s.referencesWithoutPrediction > 0) skipped.push(`${s.referencesWithoutPrediction} references without prediction left out`);
  if (s.predictionsWithoutReference > 0) skipped.push(`${s.predictionsWithoutReference} predictions without reference left out`);
  const missingLangs = s.languagesWithoutPrediction.length === 0 ? '' : `; no prediction in ${s.languagesWithoutPrediction.join(', ')}`;
  const averaged = s.languages.length > 1 ? ` Macro average over ${s.languages.join(', ')}${missingLangs}.` : missingLangs === '' ? '' : ` Only ${s.languages.join(', ')} scored${missingLangs}.`;
  return [
    `# Evaluation: ${s.name}`,
    '',
    `Predictions \`${s.predictions}\`, references \`${e.references}\`: ${s.pairs} pairs${skipped.length > 0 ? ` (${skipped.join('; ')})` : ''}.${averaged}`,
    '',
    renderTableMarkdown(s.table),
    ...describeSettings(e.metrics, s.table.bootstrap).map((l) => `- ${l}`),
    ...e.notes.map((n) => `- Note: ${n}`),
    '',
  ].join('\n');
}

function renderComparisonDocument(c: Comparison, e: Evaluation, columns: readonly MetricColumn[]): string {
  return [
    `# Comparison: ${c.a} vs ${c.b}`,
    '',
    `References \`${e.references}\`; ${c.pairs} pairs predicted by both systems.`,
    '',
    renderComparisonMarkdown(c, columns),
    `- Method: ${c.method}; ${c.bootstrap.samples} resamples, clinsum Prng seed ${c.bootstrap.seed}; the macro row resamples within each language.`,
    '- Δ, its interval and the means are F-measure × 100.',
    '',
  ].join('\n');
}

function writeEvaluation(outDir: string, e: Evaluation, scored: readonly ScoredSystem[], columns: readonly MetricColumn[]): string[] {
  const files: string[] = [];
  for (const s of scored) {
    const name = s.evaluation.name;
    const json = join(outDir, `${name}.json`);
    writeJsonAtomic(json, { references: e.references, metrics: e.metrics, ...s.evaluation, notes: e.notes });
    const md = join(outDir, `${name}.md`);
    writeFileAtomic(md, renderSystemMarkdown(s.evaluation, e));
    const jsonl = join(outDir, `${name}.scores.jsonl`);
    writeJsonlAtomic(
      jsonl,
      s.pairs.map((p, i) => pairScoreLine(p, s.scores[i]!, columns)),
    );
    files.push(json, md, jsonl);
  }
  if (e.comparison !== undefined) {
    const base = join(outDir, `${e.comparison.a}-vs-${e.comparison.b}`);
    writeJsonAtomic(`${base}.json`, { references: e.references, metrics: e.metrics, ...e.comparison });
    writeFileAtomic(`${base}.md`, renderComparisonDocument(e.comparison, e, columns));
    files.push(`${base}.json`, `${base}.md`);
  }
  return files;
}
