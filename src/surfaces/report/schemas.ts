/**
 * Schemas of the run-directory files the report reads (docs/run-directory.md). Evaluation files
 * are checked against the evaluation stage's own types (`z.ZodType<SystemEvaluation>` and so on),
 * so a change of that format fails to compile here rather than at a user's desk. Files written by
 * other stages are read leniently where the contract allows extra fields, and strictly on the
 * fields the report uses.
 */
import { isLanguageCode, unknownLangProblem } from '../../data/lang.js';
import type { InputLocation } from '../../util/errors.js';
import { parseWith, z } from '../../util/schema.js';
import type { Comparison, ComparisonRow, MetricInfo, ResultTable, SystemEvaluation, TableRow } from '../../stages/evaluate/index.js';

/** A type error that says what to write, and `is missing` for an absent field; never quotes the value. */
function expected(what: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? `is missing (write ${what})` : `must be ${what}`) };
}

const finite = z.number(expected('a number')).refine(Number.isFinite, 'must be a finite number');
const count = z.number(expected('a whole number ≥ 0')).int('must be a whole number ≥ 0').min(0, 'must be a whole number ≥ 0');
const text = z.string(expected('a string'));
const nonEmpty = z.string(expected('a non-empty string')).min(1, 'must not be empty');
/** Ids may be integers in JSONL; they are compared as their decimal string. */
const id = z.union([nonEmpty, z.number().int()], expected('a non-empty string or an integer')).transform((v) => String(v));

const LANG_FIX = 'use a language code such as en, es, fr or pt';

/**
 * A `lang` field: a language code (`en`, `pt-BR`) or `und`, trimmed and lower-cased, as the
 * evaluation stage reads it. The page prints languages as labels, and a misplaced field may hold
 * clinical text, so anything else is refused without quoting it (only its length is said).
 */
const lang = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .transform((v) => v.toLowerCase())
  .superRefine((v, ctx) => {
    if (!isLanguageCode(v)) ctx.addIssue({ code: 'custom', message: `${unknownLangProblem(v)} (${LANG_FIX})` });
  });

/**
 * A record keyed by language (stats.json's `languages`, the manifest's `counts`). Keys are checked
 * on the whole object so that a bad key, which may be text, never becomes the error's field name.
 */
function byLanguage<V extends z.ZodType>(value: V) {
  return z.record(z.string(), value).superRefine((rec, ctx) => {
    const bad = Object.keys(rec).filter((k) => !isLanguageCode(k));
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `has ${bad.length === 1 ? 'a key' : `${bad.length} keys`} that ${bad.length === 1 ? 'is' : 'are'} not a language code (${bad.map((k) => `a text of ${[...k].length} characters`).join(', ')}; ${LANG_FIX})` });
    }
  });
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export const jsonValueSchema: z.ZodType<Json> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]),
);
export type JsonValue = Json;

// ---------------------------------------------------------------------------------------------
// splits/

const splitCounts = z.object({ train: count, valid: count, test: count });

/** `splits/manifest.json` (data layer, `writeSplit`). */
export const manifestSchema = z.looseObject({
  seed: z.number().int(),
  ratios: z.tuple([finite, finite, finite]),
  algorithm: text.optional(),
  counts: byLanguage(splitCounts),
  total: splitCounts.optional(),
  sources: z.array(z.object({ path: text, sha256: text })).default([]),
  files: z.record(z.string(), z.object({ rows: count, sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits') })),
  skipped: count.optional(),
});
export type SplitManifestFile = z.output<typeof manifestSchema>;

/** A row of `splits/*.jsonl`: the report needs id, lang, report and summary. */
export const splitRowSchema = z.looseObject({ id, lang, report: text, summary: text.optional() });
export type SplitRowFile = z.output<typeof splitRowSchema>;

// ---------------------------------------------------------------------------------------------
// run.json

const time = z.string().nullable().optional();

export const runStateSchema = z.looseObject({
  version: z.number().int(),
  stages: z.record(
    z.string(),
    z.looseObject({
      status: nonEmpty,
      input_hash: z.string().nullable().optional(),
      outputs: z.array(text).optional(),
      started: time,
      finished: time,
    }),
  ),
});
export type RunStateFile = z.output<typeof runStateSchema>;

// ---------------------------------------------------------------------------------------------
// teacher/

export const teacherIdentitySchema = z.object({
  model: text,
  host: text,
  prompt_hash: text,
  params: z.record(z.string(), jsonValueSchema),
});

export const ANSWER_FLAGS = ['empty', 'truncated', 'wrong_language', 'copies_report'] as const;
export type AnswerFlag = (typeof ANSWER_FLAGS)[number];

/** A line of `teacher/keyinfo.jsonl` (teacher stage, `KeyinfoRow`). */
export const keyinfoRowSchema = z.looseObject({
  id,
  lang,
  keyinfo: text,
  teacher: teacherIdentitySchema,
  usage: z.object({ prompt_tokens: count, completion_tokens: count, total_tokens: count }).nullable().optional(),
  finish_reason: z.string().nullable().optional(),
  flags: z.array(z.enum(ANSWER_FLAGS)).default([]),
  copy_ratio: finite.optional(),
});
export type KeyinfoRowFile = z.output<typeof keyinfoRowSchema>;

const charStats = z.object({ mean: finite, min: finite, max: finite }).nullable();

export const teacherGroupSchema = z.object({
  reports: count,
  answered: count,
  failed: count,
  pending: count,
  keyinfo_chars: charStats,
  report_chars: charStats.optional(),
  flags: z.record(z.string(), count),
  tokens: z.object({ prompt: count, completion: count }),
  cost_usd: finite.nullable().optional(),
});
export type TeacherGroupStats = z.output<typeof teacherGroupSchema>;

/** `teacher/stats.json` (teacher stage: `ExtractionStats` plus the teacher's identity). */
export const teacherStatsSchema = z.looseObject({
  teacher: z
    .looseObject({
      model: text,
      host: text.optional(),
      params: z.record(z.string(), jsonValueSchema).optional(),
      prompt_hashes: z.record(z.string(), text).optional(),
    })
    .optional(),
  languages: byLanguage(teacherGroupSchema),
  all: teacherGroupSchema,
});
export type TeacherStatsFile = z.output<typeof teacherStatsSchema>;

// ---------------------------------------------------------------------------------------------
// train/<model>/metrics.jsonl

const METRICS_TRAIN_FIX =
  'a training line is {"step": 10, "loss": 2.31, "loss_sum": 2.4, "loss_ext": 1.9, "lr": 0.0002} with step a whole number ≥ 0 and finite numbers; the trainer writes these lines, so fix or delete this one';
const METRICS_EVAL_FIX =
  'an evaluation line is {"step": 50, "eval": {"loss": 2.1, "rouge1": 0.41, "rougeLsum": 0.38, "best": true}} with step a whole number ≥ 0 and finite numbers or null; the trainer writes these lines, so fix or delete this one';

/** A training row: one logged optimizer step. */
export const trainRowSchema = z.looseObject({
  step: count,
  epoch: finite.optional(),
  loss: finite,
  loss_sum: finite.nullable().optional(),
  loss_ext: finite.nullable().optional(),
  lr: finite.optional(),
  grad_norm: finite.nullable().optional(),
  tokens: count.optional(),
  tokens_per_s: finite.optional(),
  time: z.string().optional(),
});

const optionalScore = finite.nullable().optional();

/** An evaluation row: `{step, eval: {...}}`. */
export const evalRowSchema = z.looseObject({
  step: count,
  eval: z.looseObject({
    loss: optionalScore,
    loss_sum: optionalScore,
    loss_ext: optionalScore,
    rouge1: optionalScore,
    rouge2: optionalScore,
    rougeL: optionalScore,
    rougeLsum: optionalScore,
    metric: z.string().optional(),
    score: optionalScore,
    best: z.boolean().optional(),
    examples: count.optional(),
    seconds: finite.optional(),
  }),
});

export type TrainRowFile = z.output<typeof trainRowSchema>;
export type EvalRowFile = z.output<typeof evalRowSchema>;

/**
 * A `metrics.jsonl` line: an evaluation row when it has `eval`, else a training row (checked as
 * such, so that errors name the field of the kind of row it is).
 */
export function parseMetricsRow(value: unknown, where: InputLocation): { kind: 'train'; row: TrainRowFile } | { kind: 'eval'; row: EvalRowFile } {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'eval' in value) {
    return { kind: 'eval', row: parseWith(evalRowSchema, value, where, METRICS_EVAL_FIX) };
  }
  return { kind: 'train', row: parseWith(trainRowSchema, value, where, METRICS_TRAIN_FIX) };
}

/** The fields of `train/<model>/config.yaml` the report shows (the rest is shown as text). */
export const trainConfigSchema = z.looseObject({
  gamma: z.number().min(0).max(1).optional(),
});

// ---------------------------------------------------------------------------------------------
// predictions/<model>.jsonl

export const predictionRowSchema = z.looseObject({ id, lang: lang.optional(), prediction: text });

/** What a prediction line must look like, for errors. */
export const PREDICTION_FIX = 'write each line as {"id": "multiclinsum_gs_en_12", "lang": "en", "prediction": "<the summary>"} (id: a non-empty string or an integer; prediction: a string, "" for an empty answer)';

// ---------------------------------------------------------------------------------------------
// eval/ (evaluation stage, docs/evaluation.md)

const stat = z.object({ mean: finite, low: finite, mid: finite, high: finite });
const prfStats = z.object({ precision: stat, recall: stat, fmeasure: stat });
const column = z.object({ key: nonEmpty, label: nonEmpty });
const bootstrap = z.object({ samples: z.number().int().min(1), confidence: finite, seed: z.number().int().min(0) });

const tableRowSchema: z.ZodType<TableRow> = z.object({
  label: nonEmpty,
  kind: z.enum(['language', 'macro', 'all']),
  pairs: count,
  scores: z.record(z.string(), prfStats),
});

export const resultTableSchema: z.ZodType<ResultTable> = z
  .object({ columns: z.array(column), rows: z.array(tableRowSchema), bootstrap })
  .superRefine((t, ctx) => {
    t.rows.forEach((row, r) => {
      for (const c of t.columns) {
        if (row.scores[c.key] === undefined) ctx.addIssue({ code: 'custom', message: `has no score for column \`${c.key}\``, path: ['rows', r, 'scores'] });
      }
    });
  });

export const metricInfoSchema: z.ZodType<MetricInfo> = z.object({
  name: nonEmpty,
  columns: z.array(column),
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  comparable: z.boolean(),
});

/** `eval/<name>.json`: a system's evaluation with the references and metrics it was made with. */
export interface SystemEvalFile extends SystemEvaluation {
  references: string;
  metrics: MetricInfo[];
  notes: string[];
}

export const systemEvalSchema: z.ZodType<SystemEvalFile> = z.looseObject({
  references: text,
  metrics: z.array(metricInfoSchema),
  name: nonEmpty,
  predictions: text,
  pairs: count,
  referencesWithoutPrediction: count,
  predictionsWithoutReference: count,
  // Written since clinsum records which languages were averaged; older files lack them.
  languages: z.array(nonEmpty).default([]),
  languagesWithoutPrediction: z.array(nonEmpty).default([]),
  table: resultTableSchema,
  notes: z.array(text).default([]),
});

const comparisonRowSchema: z.ZodType<ComparisonRow> = z.object({
  label: nonEmpty,
  kind: z.enum(['language', 'macro']),
  column: nonEmpty,
  pairs: count,
  meanA: finite,
  meanB: finite,
  delta: finite,
  low: finite,
  high: finite,
  p: z.number().min(0).max(1),
});

const comparisonSchema: z.ZodType<Comparison> = z.object({
  a: nonEmpty,
  b: nonEmpty,
  method: text,
  measure: z.literal('fmeasure'),
  bootstrap,
  pairs: count,
  rows: z.array(comparisonRowSchema),
});

/** `eval/<a>-vs-<b>.json`: the comparison with the references and metrics it was made with. */
export const comparisonFileSchema = z.intersection(comparisonSchema, z.looseObject({ references: text.optional(), metrics: z.array(metricInfoSchema).optional() }));
export type ComparisonFile = z.output<typeof comparisonFileSchema>;

const prf = z.object({ precision: finite, recall: finite, fmeasure: finite });

/** A line of `eval/<name>.scores.jsonl`: `{id, lang, <column>: {precision, recall, fmeasure}, ...}`. */
export const scoreLineSchema = z.object({ id, lang }).catchall(z.union([prf, z.string(), z.number()]));
