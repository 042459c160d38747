/**
 * The per-language result table (the paper's Table 4) as data: row groups per language (then the
 * macro average and all pairs), one row per system, one column per metric column, F-measure
 * means with their bootstrap interval, and which cells are the best of their group and column.
 */
import { canonicalJson } from '../../util/hash.js';
import type { MetricColumn, MetricInfo, ResultTable } from '../../stages/evaluate/index.js';
import { formatScore } from './format.js';

/** One evaluated system: its display name and its result table. */
export interface ResultEntry {
  /** `distil`, or `run / distil` with several runs. */
  system: string;
  table: ResultTable;
  metrics: readonly MetricInfo[];
}

export interface ResultCell {
  /** F mean (0..1); undefined when the system has no such column or row. */
  mean: number | undefined;
  low: number | undefined;
  high: number | undefined;
  /** Best of its group and column (by the printed value; ties are all best). */
  best: boolean;
}

export interface ResultRow {
  system: string;
  pairs: number;
  cells: ResultCell[];
}

export interface ResultGroup {
  /** Language code, `macro avg` or `all pairs`. */
  label: string;
  kind: 'language' | 'macro' | 'all';
  rows: ResultRow[];
}

export interface ResultColumn extends MetricColumn {
  /** False when the metric is a clinsum variant not comparable with the official tool's numbers. */
  comparable: boolean;
}

export interface ResultModel {
  columns: ResultColumn[];
  groups: ResultGroup[];
  /** Bootstrap confidence of the intervals (the first table's). */
  confidence: number;
  /** Metric names whose settings differ between systems (the numbers are then not comparable). */
  inconsistent: string[];
}

const KIND_ORDER = { language: 0, macro: 1, all: 2 } as const;

/** Build the table model from the systems' result tables. */
export function buildResults(entries: readonly ResultEntry[]): ResultModel | undefined {
  if (entries.length === 0) return undefined;
  const columns: ResultColumn[] = [];
  for (const e of entries) {
    for (const c of e.table.columns) {
      if (columns.some((x) => x.key === c.key)) continue;
      const metric = e.metrics.find((m) => m.columns.some((mc) => mc.key === c.key));
      columns.push({ key: c.key, label: c.label, comparable: metric?.comparable ?? true });
    }
  }
  const groups = new Map<string, ResultGroup>();
  for (const e of entries) {
    for (const row of e.table.rows) {
      let g = groups.get(row.label);
      if (g === undefined) groups.set(row.label, (g = { label: row.label, kind: row.kind, rows: [] }));
      g.rows.push({
        system: e.system,
        pairs: row.pairs,
        cells: columns.map((c) => {
          const f = row.scores[c.key]?.fmeasure;
          return { mean: f?.mean, low: f?.low, high: f?.high, best: false };
        }),
      });
    }
  }
  const ordered = [...groups.values()].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  for (const g of ordered) {
    columns.forEach((_, c) => {
      const printed = g.rows.map((r) => (r.cells[c]!.mean === undefined ? undefined : Number(formatScore(r.cells[c]!.mean!))));
      const values = printed.filter((v): v is number => v !== undefined);
      if (values.length < 2) return;
      const max = Math.max(...values);
      printed.forEach((v, i) => {
        if (v === max) g.rows[i]!.cells[c]!.best = true;
      });
    });
  }
  const settings = new Map<string, Set<string>>();
  for (const e of entries) {
    for (const m of e.metrics) {
      let s = settings.get(m.name);
      if (s === undefined) settings.set(m.name, (s = new Set()));
      s.add(canonicalJson(m.settings));
    }
  }
  const inconsistent = [...settings].filter(([, s]) => s.size > 1).map(([name]) => name);
  return { columns, groups: ordered, confidence: entries[0]!.table.bootstrap.confidence, inconsistent };
}
