/**
 * Statistics of a teacher run, per language and overall, like the paper's Table 2: how many
 * reports have key information, its length in characters (Unicode code points of the trimmed
 * text, as data README's Table 1 counts), the flags, tokens and cost.
 */
import { ANSWER_FLAGS, type AnswerFlag } from './flags.js';

export interface CharStats {
  mean: number;
  min: number;
  max: number;
}

export interface GroupStats {
  reports: number;
  answered: number;
  failed: number;
  /** Neither answered nor failed (a run stopped by a budget, an interrupt, another run still working). */
  pending: number;
  keyinfo_chars: CharStats | null;
  report_chars: CharStats | null;
  flags: Record<AnswerFlag, number>;
  tokens: { prompt: number; completion: number };
  /** From `--price-in/--price-out`; null without prices. */
  cost_usd: number | null;
}

export interface Prices {
  /** USD per million prompt tokens. */
  inputPerMillion: number;
  /** USD per million completion tokens. */
  outputPerMillion: number;
}

export interface ExtractionStats {
  languages: Record<string, GroupStats>;
  all: GroupStats;
}

/** One report's outcome as the statistics need it. */
export interface StatsEntry {
  lang: string;
  reportChars: number;
  outcome: 'answered' | 'failed' | 'pending';
  keyinfoChars?: number;
  flags?: readonly AnswerFlag[];
  promptTokens?: number;
  completionTokens?: number;
}

export function costUsd(promptTokens: number, completionTokens: number, prices: Prices): number {
  return (promptTokens * prices.inputPerMillion + completionTokens * prices.outputPerMillion) / 1e6;
}

const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/** Number of Unicode code points (UTF-16 length minus surrogate pairs). */
export function codePoints(s: string): number {
  return s.length - (s.match(SURROGATE_PAIR)?.length ?? 0);
}

class Group {
  reports = 0;
  answered = 0;
  failed = 0;
  pending = 0;
  keyinfo: number[] = [];
  report: number[] = [];
  flags = Object.fromEntries(ANSWER_FLAGS.map((f) => [f, 0])) as Record<AnswerFlag, number>;
  prompt = 0;
  completion = 0;

  add(e: StatsEntry): void {
    this.reports++;
    this.report.push(e.reportChars);
    if (e.outcome === 'answered') {
      this.answered++;
      if (e.keyinfoChars !== undefined) this.keyinfo.push(e.keyinfoChars);
      for (const f of e.flags ?? []) this.flags[f]++;
    } else if (e.outcome === 'failed') this.failed++;
    else this.pending++;
    this.prompt += e.promptTokens ?? 0;
    this.completion += e.completionTokens ?? 0;
  }

  result(prices: Prices | undefined): GroupStats {
    return {
      reports: this.reports,
      answered: this.answered,
      failed: this.failed,
      pending: this.pending,
      keyinfo_chars: charStats(this.keyinfo),
      report_chars: charStats(this.report),
      flags: { ...this.flags },
      tokens: { prompt: this.prompt, completion: this.completion },
      cost_usd: prices ? round(costUsd(this.prompt, this.completion, prices), 6) : null,
    };
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function charStats(xs: readonly number[]): CharStats | null {
  if (xs.length === 0) return null;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { mean: round(sum / xs.length, 2), min, max };
}

export function computeStats(entries: Iterable<StatsEntry>, prices?: Prices): ExtractionStats {
  const groups = new Map<string, Group>();
  const all = new Group();
  for (const e of entries) {
    let g = groups.get(e.lang);
    if (!g) groups.set(e.lang, (g = new Group()));
    g.add(e);
    all.add(e);
  }
  const languages: Record<string, GroupStats> = {};
  for (const lang of [...groups.keys()].sort()) languages[lang] = groups.get(lang)!.result(prices);
  return { languages, all: all.result(prices) };
}

/** The statistics as a plain-text table (one row per language, then `all`). */
export function formatStatsTable(stats: ExtractionStats): string {
  const header = ['lang', 'reports', 'answered', 'failed', 'pending', 'keyinfo mean', 'min', 'max', 'empty', 'truncated', 'wrong lang', 'copies', 'prompt tok', 'compl tok', 'cost $'];
  const rows: string[][] = [];
  const line = (name: string, g: GroupStats) => [
    name,
    String(g.reports),
    String(g.answered),
    String(g.failed),
    String(g.pending),
    g.keyinfo_chars ? g.keyinfo_chars.mean.toFixed(1) : '-',
    g.keyinfo_chars ? String(g.keyinfo_chars.min) : '-',
    g.keyinfo_chars ? String(g.keyinfo_chars.max) : '-',
    String(g.flags.empty),
    String(g.flags.truncated),
    String(g.flags.wrong_language),
    String(g.flags.copies_report),
    String(g.tokens.prompt),
    String(g.tokens.completion),
    g.cost_usd === null ? '-' : g.cost_usd.toFixed(2),
  ];
  for (const [lang, g] of Object.entries(stats.languages)) rows.push(line(lang, g));
  if (Object.keys(stats.languages).length !== 1) rows.push(line('all', stats.all));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), ...rows.map(fmt)].join('\n');
}
