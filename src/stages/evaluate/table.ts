/**
 * Per-language result tables (the shape of the paper's Table 4): one row per language, then,
 * with two or more languages, a `macro avg` row (mean of the language means, the paper's
 * average) and an `all pairs` row (mean over every pair). Each cell holds, for precision, recall
 * and F, the exact mean over pairs and the bootstrap low/mid/high (see bootstrap.ts). The
 * macro row's interval is a stratified bootstrap: resample s of the macro average is the mean of
 * the languages' resample-s means.
 *
 * Markdown shows mean F × 100 with 2 decimals (the numbers papers print); JSON keeps every
 * statistic unscaled (0..1).
 */
import { bootstrapMeans, groupPrng, intervalOf, mean, type ResolvedBootstrap } from './bootstrap.js';
import type { MetricColumn, PairScores } from './metric.js';
import { MEASURES, type Measure } from './prf.js';

export interface Stat {
  /** Mean over pairs (for the macro row: mean of the language means). Exact, no sampling. */
  mean: number;
  /** Bootstrap percentile interval of the mean; `mid` is the median of the resampled means. */
  low: number;
  mid: number;
  high: number;
}

export type PrfStats = Record<Measure, Stat>;

export type RowKind = 'language' | 'macro' | 'all';

export interface TableRow {
  /** Language code, `macro avg` or `all pairs`. */
  label: string;
  kind: RowKind;
  pairs: number;
  /** Column key → statistics. */
  scores: Record<string, PrfStats>;
}

export interface ResultTable {
  columns: MetricColumn[];
  rows: TableRow[];
  bootstrap: ResolvedBootstrap;
}

export interface ScoredPair {
  id: string;
  lang: string;
  scores: PairScores;
}

export const MACRO_LABEL = 'macro avg';
export const ALL_LABEL = 'all pairs';

/** Vectors of one group: vectors[c * 3 + m] holds column c, measure m, for every pair. */
function vectorsOf(pairs: readonly ScoredPair[], columns: readonly MetricColumn[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const col of columns) {
    for (const measure of MEASURES) {
      const v = new Float64Array(pairs.length);
      pairs.forEach((p, i) => {
        const s = p.scores[col.key];
        if (s === undefined) throw new Error(`pair ${p.id} has no score for column ${col.key}`);
        v[i] = s[measure];
      });
      out.push(v);
    }
  }
  return out;
}

function rowOf(
  label: string,
  kind: RowKind,
  pairs: number,
  columns: readonly MetricColumn[],
  means: readonly number[],
  resampled: readonly Float64Array[],
  confidence: number,
): TableRow {
  const scores: Record<string, PrfStats> = {};
  columns.forEach((col, c) => {
    const stats = {} as PrfStats;
    MEASURES.forEach((measure, m) => {
      const k = c * MEASURES.length + m;
      stats[measure] = { mean: means[k]!, ...intervalOf(resampled[k]!, confidence) };
    });
    scores[col.key] = stats;
  });
  return { label, kind, pairs, scores };
}

/** Group scored pairs by language (sorted by code) and aggregate every column. */
export function aggregateTable(scored: readonly ScoredPair[], columns: readonly MetricColumn[], bootstrap: ResolvedBootstrap): ResultTable {
  if (scored.length === 0) throw new RangeError('no scored pairs to aggregate');
  const byLang = new Map<string, ScoredPair[]>();
  for (const p of scored) {
    const g = byLang.get(p.lang);
    if (g === undefined) byLang.set(p.lang, [p]);
    else g.push(p);
  }
  const langs = [...byLang.keys()].sort();
  const rows: TableRow[] = [];
  const langMeans: number[][] = [];
  const langResampled: Float64Array[][] = [];
  for (const lang of langs) {
    const pairs = byLang.get(lang)!;
    const vectors = vectorsOf(pairs, columns);
    const means = vectors.map((v) => mean(v));
    const resampled = bootstrapMeans(vectors, bootstrap.samples, groupPrng(bootstrap.seed, lang));
    langMeans.push(means);
    langResampled.push(resampled);
    rows.push(rowOf(lang, 'language', pairs.length, columns, means, resampled, bootstrap.confidence));
  }
  if (langs.length > 1) {
    const k = columns.length * MEASURES.length;
    const macroMeans = Array.from({ length: k }, (_, j) => mean(langMeans.map((m) => m[j]!)));
    const macroResampled = Array.from({ length: k }, (_, j) => {
      const out = new Float64Array(bootstrap.samples);
      for (let s = 0; s < bootstrap.samples; s++) {
        let sum = 0;
        for (const r of langResampled) sum += r[j]![s]!;
        out[s] = sum / langResampled.length;
      }
      return out;
    });
    rows.push(rowOf(MACRO_LABEL, 'macro', scored.length, columns, macroMeans, macroResampled, bootstrap.confidence));
    const vectors = vectorsOf(scored, columns);
    const resampled = bootstrapMeans(vectors, bootstrap.samples, groupPrng(bootstrap.seed, ALL_LABEL));
    rows.push(rowOf(ALL_LABEL, 'all', scored.length, columns, vectors.map((v) => mean(v)), resampled, bootstrap.confidence));
  }
  return { columns: [...columns], rows, bootstrap };
}

/**
 * `v` with `decimals` digits after the point, rounded like Python's `format(v, '.2f')`: to the
 * nearest, ties (exact binary halves such as 12.125) to even. JavaScript's `toFixed` rounds those
 * ties away from zero, which would print some numbers one digit apart from a Python table.
 */
export function formatFixed(v: number, decimals: number): string {
  const s = v.toFixed(decimals);
  if (!Number.isFinite(v)) return s;
  const exact = v.toFixed(Math.min(100, decimals + 30));
  const point = exact.indexOf('.');
  const tail = exact.slice(point + 1 + decimals);
  if (!/^50*$/.test(tail)) return s;
  const truncated = exact.slice(0, decimals === 0 ? point : point + 1 + decimals);
  const lastDigit = (x: string): number => Number(x[x.length - 1]);
  return lastDigit(truncated) % 2 === 0 ? truncated : s;
}

/** A score as papers print it: × 100, 2 decimals. */
export function formatScore(v: number, decimals = 2): string {
  return formatFixed(v * 100, decimals);
}

export interface MarkdownOptions {
  /** Which measure the cells show; default `fmeasure`. */
  measure?: Measure;
  decimals?: number;
  /** Append the bootstrap interval `[low, high]` to each cell. */
  intervals?: boolean;
}

/** The Table-4-like Markdown table: rows = languages (+ macro, all), columns = metric columns. */
export function renderTableMarkdown(table: ResultTable, options: MarkdownOptions = {}): string {
  const measure = options.measure ?? 'fmeasure';
  const d = options.decimals ?? 2;
  const head = ['Language', 'Pairs', ...table.columns.map((c) => c.label)];
  const lines = [`| ${head.join(' | ')} |`, `| --- | ${head.slice(1).map(() => '---:').join(' | ')} |`];
  for (const row of table.rows) {
    const cells = table.columns.map((c) => {
      const st = row.scores[c.key]![measure];
      const cell = formatScore(st.mean, d);
      return options.intervals ? `${cell} [${formatScore(st.low, d)}, ${formatScore(st.high, d)}]` : cell;
    });
    const label = row.kind === 'language' ? row.label : `*${row.label}*`;
    lines.push(`| ${[label, String(row.pairs), ...cells].join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Every statistic of every row and column: P, R, F means and the F interval, × 100. */
export function renderDetailedMarkdown(table: ResultTable, decimals = 2): string {
  const pct = Math.round(table.bootstrap.confidence * 1000) / 10;
  const head = ['Language', 'Pairs', 'Metric', 'P', 'R', 'F', `F ${pct}% CI`];
  const lines = [`| ${head.join(' | ')} |`, `| --- | ---: | --- | ---: | ---: | ---: | ---: |`];
  for (const row of table.rows) {
    const label = row.kind === 'language' ? row.label : `*${row.label}*`;
    for (const c of table.columns) {
      const s = row.scores[c.key]!;
      const f = s.fmeasure;
      lines.push(
        `| ${[
          label,
          String(row.pairs),
          c.label,
          formatScore(s.precision.mean, decimals),
          formatScore(s.recall.mean, decimals),
          formatScore(f.mean, decimals),
          `${formatScore(f.low, decimals)}–${formatScore(f.high, decimals)}`,
        ].join(' | ')} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
