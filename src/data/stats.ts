/**
 * Dataset statistics per language (the paper's Tables 1 and 2): count, and mean/min/max of the
 * report, summary and key-information lengths in Unicode code points (of the stripped texts),
 * and in tokens when a tokenizer is given.
 */
import type { Tokenizer } from '../models/tokenizer/index.js';
import { LANGS, type Lang } from './lang.js';
import type { CaseRecord } from './types.js';
import { codePointLength } from '../util/text.js';

export { codePointLength };

export interface LengthStats {
  /** Texts measured (records that have this text). */
  count: number;
  mean: number;
  min: number;
  max: number;
}

export type TextField = 'report' | 'summary' | 'keyinfo';

export interface LanguageStats {
  count: number;
  report: LengthStats;
  summary?: LengthStats;
  keyinfo?: LengthStats;
  /** Token lengths (with `tokenizer`). */
  tokens?: { report: LengthStats; summary?: LengthStats; keyinfo?: LengthStats };
}

export interface DatasetStats {
  languages: Partial<Record<Lang, LanguageStats>>;
}

function lengthStats(values: number[]): LengthStats | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { count: values.length, mean: sum / values.length, min, max };
}

const FIELDS: readonly TextField[] = ['report', 'summary', 'keyinfo'];

export function computeStats(records: readonly CaseRecord[], options: { tokenizer?: Tokenizer } = {}): DatasetStats {
  const out: DatasetStats = { languages: {} };
  for (const lang of LANGS) {
    const group = records.filter((r) => r.lang === lang);
    if (group.length === 0) continue;
    const chars: Record<TextField, number[]> = { report: [], summary: [], keyinfo: [] };
    const toks: Record<TextField, number[]> = { report: [], summary: [], keyinfo: [] };
    for (const r of group) {
      for (const f of FIELDS) {
        const t = r[f];
        if (t === undefined) continue;
        chars[f].push(codePointLength(t));
        if (options.tokenizer) toks[f].push(options.tokenizer.encode(t).length);
      }
    }
    const s: LanguageStats = { count: group.length, report: lengthStats(chars.report)! };
    const summary = lengthStats(chars.summary);
    if (summary) s.summary = summary;
    const keyinfo = lengthStats(chars.keyinfo);
    if (keyinfo) s.keyinfo = keyinfo;
    if (options.tokenizer) {
      const t: NonNullable<LanguageStats['tokens']> = { report: lengthStats(toks.report)! };
      const ts = lengthStats(toks.summary);
      if (ts) t.summary = ts;
      const tk = lengthStats(toks.keyinfo);
      if (tk) t.keyinfo = tk;
      s.tokens = t;
    }
    out.languages[lang] = s;
  }
  return out;
}

function cell(s: LengthStats | undefined, count: number): string {
  if (!s) return '-';
  const base = `${s.mean.toFixed(1)} / ${s.min} / ${s.max}`;
  return s.count === count ? base : `${base} (n=${s.count})`;
}

/** A text table: one line per language, means rounded to one decimal. */
export function formatStatsTable(stats: DatasetStats): string {
  const rows: string[][] = [];
  const hasKey = Object.values(stats.languages).some((s) => s.keyinfo);
  const hasTok = Object.values(stats.languages).some((s) => s.tokens);
  const head = ['lang', 'count', 'report chars (mean / min / max)', 'summary chars (mean / min / max)'];
  if (hasKey) head.push('keyinfo chars (mean / min / max)');
  if (hasTok) head.push('report tokens', 'summary tokens', ...(hasKey ? ['keyinfo tokens'] : []));
  rows.push(head);
  for (const lang of LANGS) {
    const s = stats.languages[lang];
    if (!s) continue;
    const row = [lang, String(s.count), cell(s.report, s.count), cell(s.summary, s.count)];
    if (hasKey) row.push(cell(s.keyinfo, s.count));
    if (hasTok) row.push(cell(s.tokens?.report, s.count), cell(s.tokens?.summary, s.count), ...(hasKey ? [cell(s.tokens?.keyinfo, s.count)] : []));
    rows.push(row);
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
