/**
 * The run's output files, rebuilt complete from the store at the end of every run (atomic
 * writes, input order):
 * - `keyinfo.jsonl`: one line per answered report (`KeyinfoRow`);
 * - `failures.jsonl`: one line per report whose last outcome is a recorded failure (`FailureRow`);
 * - `stats.json`: `ExtractionStats`.
 */
import { join } from 'node:path';
import { writeJsonAtomic } from '../../util/fs.js';
import { writeJsonlAtomic } from '../../util/jsonl.js';
import { z } from '../../util/schema.js';
import { answerFlags, type AnswerFlag, type FlagOptions, type FlagResult, type LanguageDetector } from './flags.js';
import { codePoints, computeStats, type ExtractionStats, type Prices, type StatsEntry } from './stats.js';
import type { AnswerRow, TeacherIdentity } from './store.js';

export interface KeyinfoRow {
  id: string;
  lang: string;
  /** The teacher's answer, trimmed. */
  keyinfo: string;
  teacher: TeacherIdentity;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  finish_reason: string | null;
  flags: AnswerFlag[];
  /** Share of the report's words copied verbatim (see flags.ts). */
  copy_ratio: number;
}

const JsonValueSchema: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValueSchema), z.record(z.string(), JsonValueSchema)]));

/** Schema of a `keyinfo.jsonl` line, for readers of the file. */
export const KeyinfoRowSchema = z.object({
  id: z.string().min(1),
  lang: z.string().min(1),
  keyinfo: z.string(),
  teacher: z.object({ model: z.string(), host: z.string(), prompt_hash: z.string(), params: z.record(z.string(), JsonValueSchema) }),
  usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() }).nullable(),
  finish_reason: z.string().nullable(),
  flags: z.array(z.enum(['empty', 'truncated', 'wrong_language', 'copies_report'])),
  copy_ratio: z.number(),
});

export interface FailureRow {
  id: string;
  lang: string;
  error_kind: string | null;
  status: number | null;
  attempts: number;
  /** Metadata only: status, attempt, endpoint, model; never texts. */
  error: string | null;
  finished_at: string;
}

export interface OutputEntry {
  id: string;
  lang: string;
  report: string;
  /** The store's row for this report's key, if any. */
  row: AnswerRow | undefined;
}

export interface OutputFiles {
  keyinfo: string;
  failures: string;
  stats: string;
}

export function outputFiles(outDir: string): OutputFiles {
  return { keyinfo: join(outDir, 'keyinfo.jsonl'), failures: join(outDir, 'failures.jsonl'), stats: join(outDir, 'stats.json') };
}

export interface BuiltOutputs {
  keyinfo: KeyinfoRow[];
  failures: FailureRow[];
  stats: ExtractionStats;
}

/** The flags of one answered entry (what `buildOutputs` computes unless a cache has them). */
export function entryFlags(e: { report: string; lang: string }, answer: string, finishReason: string | null, detect: LanguageDetector, flagOptions: Partial<FlagOptions> = {}): FlagResult {
  return answerFlags({ answer: answer.trim(), finishReason, report: e.report, lang: e.lang }, detect, flagOptions);
}

/**
 * Build the output rows and statistics from the store rows, in `entries` order. `cachedFlags`
 * returns flags computed earlier (e.g. while the run was waiting on the network) for a store key
 * and language, or undefined.
 */
export function buildOutputs(
  entries: readonly OutputEntry[],
  detect: LanguageDetector,
  flagOptions: Partial<FlagOptions> = {},
  prices?: Prices,
  cachedFlags?: (key: string, lang: string) => FlagResult | undefined,
): BuiltOutputs {
  const keyinfo: KeyinfoRow[] = [];
  const failures: FailureRow[] = [];
  const statsEntries: StatsEntry[] = [];
  for (const e of entries) {
    const reportChars = codePoints(e.report.trim());
    const r = e.row;
    if (r?.status === 'done' && r.answer !== null) {
      const text = r.answer.trim();
      const { flags, copyRatio } = cachedFlags?.(r.key, e.lang) ?? entryFlags(e, text, r.finishReason, detect, flagOptions);
      keyinfo.push({
        id: e.id,
        lang: e.lang,
        keyinfo: text,
        teacher: r.teacher,
        usage: r.usage ? { prompt_tokens: r.usage.promptTokens, completion_tokens: r.usage.completionTokens, total_tokens: r.usage.totalTokens } : null,
        finish_reason: r.finishReason,
        flags,
        copy_ratio: Math.round(copyRatio * 1e4) / 1e4,
      });
      statsEntries.push({
        lang: e.lang,
        reportChars,
        outcome: 'answered',
        keyinfoChars: codePoints(text),
        flags,
        promptTokens: r.usage?.promptTokens,
        completionTokens: r.usage?.completionTokens,
      });
    } else if (r?.status === 'failed') {
      failures.push({ id: e.id, lang: e.lang, error_kind: r.errorKind, status: r.errorStatus, attempts: r.attempts, error: r.error, finished_at: r.finishedAt });
      statsEntries.push({ lang: e.lang, reportChars, outcome: 'failed' });
    } else {
      statsEntries.push({ lang: e.lang, reportChars, outcome: 'pending' });
    }
  }
  return { keyinfo, failures, stats: computeStats(statsEntries, prices) };
}

/** Write keyinfo.jsonl, failures.jsonl and stats.json atomically. */
export function writeOutputs(outDir: string, built: BuiltOutputs, extra: Record<string, unknown> = {}): OutputFiles {
  const files = outputFiles(outDir);
  writeJsonlAtomic(files.keyinfo, built.keyinfo);
  writeJsonlAtomic(files.failures, built.failures);
  writeJsonAtomic(files.stats, { ...extra, ...built.stats });
  return files;
}
