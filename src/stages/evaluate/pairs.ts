/**
 * Evaluation inputs: pair files (`eval rouge --pairs`), prediction files (the generate stage's
 * output) and reference files (the data layer's split files), and the join of predictions to
 * references by id.
 *
 * Ids may be strings or integers (integers are compared as their decimal string). A `lang` on
 * both sides must agree. The same id may appear in several languages of a reference file; a
 * prediction then picks its reference by `lang`. Error messages name files, lines and ids, never
 * texts.
 */
import { statSync } from 'node:fs';
import { isLanguageCode, readDataset, unknownLangProblem } from '../../data/index.js';
import { InputError } from '../../util/errors.js';
import { readJsonl } from '../../util/jsonl.js';
import { parseWith, z } from '../../util/schema.js';
import type { EvalPair } from './metric.js';

/** The language of rows that carry none (BCP 47 "undetermined"). */
export const UNDETERMINED_LANG = 'und';

/** A type error that says what to write, and `is missing` for an absent field; never quotes the value. */
function expected(what: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? `is missing (write ${what})` : `must be ${what}`) };
}

const id = z.union([z.string().min(1, 'must not be empty'), z.number().int()], expected('a non-empty string or an integer')).transform((v) => String(v));
const text = (what: string) => z.string(expected(what));
// A language code (case-insensitive; any code, since the metrics need none of clinsum's), or
// "und". Anything else is refused without quoting it: a misplaced field may hold clinical text,
// and the tables print every language.
const lang = z
  .string(expected('a language code such as en, es, fr or pt'))
  .trim()
  .min(1, 'must not be empty')
  .transform((v) => v.toLowerCase())
  .superRefine((v, ctx) => {
    if (!isLanguageCode(v)) ctx.addIssue({ code: 'custom', message: `${unknownLangProblem(v)} (use a language code such as en, es, fr or pt, or leave \`lang\` out)` });
  });

const pairSchema = z
  .object({ id, lang: lang.optional(), reference: text('a string').optional(), target: text('a string').optional(), prediction: text('a string (the predicted summary)') })
  .refine((r) => r.reference !== undefined || r.target !== undefined, { message: 'needs `reference` (or its alias `target`)', path: ['reference'] })
  .refine((r) => r.reference === undefined || r.target === undefined || r.reference === r.target, {
    message: '`reference` and `target` are both given and differ; give one',
    path: ['target'],
  });

const predictionSchema = z.object({ id, lang: lang.optional(), prediction: text('a string (the predicted summary; "" for an empty one)') });

const PAIR_FIX = 'write each line as {"id": "en_12", "lang": "en", "reference": "<reference summary>", "prediction": "<predicted summary>"}';
const PREDICTION_FIX = 'write each line as {"id": "en_12", "lang": "en", "prediction": "<predicted summary>"} (id: a non-empty string or an integer, the id of its reference)';
const REFERENCE_FIX = 'write each line as {"id": "en_12", "lang": "en", "summary": "<reference summary>"} (id: a non-empty string or an integer)';

/** JSONL rows of `file`, each checked by `schema`; an error names the file, line and field, and `fix`. */
function readRows<S extends z.ZodType>(file: string, schema: S, fix: string): { value: z.output<S>; line: number }[] {
  return readJsonl(file, z.unknown()).map(({ value, line }) => ({ value: parseWith(schema, value, { file, line }, fix), line }));
}

const referenceSchema = z
  .object({
    id,
    lang: lang.optional(),
    summary: text('a string').optional(),
    reference: text('a string').optional(),
    target: text('a string').optional(),
    output: text('a string').optional(),
  })
  .refine((r) => [r.summary, r.reference, r.target, r.output].some((x) => x !== undefined), {
    message: 'needs `summary` (or an alias: `reference`, `target`, `output`)',
    path: ['summary'],
  })
  .refine((r) => new Set([r.summary, r.reference, r.target, r.output].filter((x) => x !== undefined)).size <= 1, {
    message: '`summary` and its aliases (`reference`, `target`, `output`) are given with different texts; give one',
    path: ['summary'],
  });

export interface PredictionRow {
  id: string;
  lang: string | undefined;
  prediction: string;
  line: number;
}

export interface ReferenceRow {
  id: string;
  lang: string | undefined;
  reference: string;
  line: number;
}

/** "a, b, c and 7 more" — the first few items of a list and a count of the rest. */
export function fewAndCount(items: readonly string[], few = 5): string {
  const shown = items.slice(0, few).join(', ');
  return items.length > few ? `${shown} and ${items.length - few} more` : shown;
}

function quoteIds(ids: readonly string[]): string[] {
  return ids.map((i) => JSON.stringify(i));
}

/** Throws naming the duplicated keys (with their lines) when `rows` repeat a key. */
function checkUnique<T extends { id: string; lang: string | undefined; line: number }>(file: string, rows: readonly T[]): void {
  const lines = new Map<string, number[]>();
  for (const r of rows) {
    const key = `${r.lang ?? ''}\u0000${r.id}`;
    const l = lines.get(key);
    if (l === undefined) lines.set(key, [r.line]);
    else l.push(r.line);
  }
  const dups = [...lines.entries()].filter(([, l]) => l.length > 1);
  if (dups.length === 0) return;
  const described = dups.map(([key, l]) => {
    const [lg, i] = key.split('\u0000') as [string, string];
    return `${JSON.stringify(i)}${lg ? ` (${lg})` : ''} on lines ${l.join(', ')}`;
  });
  throw new InputError(
    { file },
    `${dups.length} duplicate id${dups.length > 1 ? 's' : ''}: ${fewAndCount(described)}`,
    'each id must appear once per language',
  );
}

/** Pairs for `eval rouge --pairs`: `{id, reference | target, prediction, lang?}` a line. */
export function readPairsFile(file: string): EvalPair[] {
  if (isFolder(file)) {
    throw new InputError({ file }, 'is a folder', 'pass a .jsonl file of {"id", "reference", "prediction", "lang"} lines, or score a folder of references with `clinsum eval --ref FOLDER --pred FILE`');
  }
  const rows = readRows(file, pairSchema, PAIR_FIX);
  if (rows.length === 0) throw new InputError({ file }, 'has no pairs', 'write one JSON object per line: {"id", "reference", "prediction", "lang"}');
  checkUnique(
    file,
    rows.map((r) => ({ id: r.value.id, lang: r.value.lang, line: r.line })),
  );
  return rows.map(({ value: v }) => ({
    id: v.id,
    lang: v.lang ?? UNDETERMINED_LANG,
    reference: v.reference ?? v.target!,
    prediction: v.prediction,
  }));
}

/** Predictions: `{id, lang?, prediction}` a line (the generate stage's output). */
export function readPredictions(file: string): PredictionRow[] {
  const rows = readRows(file, predictionSchema, PREDICTION_FIX).map(({ value, line }) => ({ ...value, lang: value.lang, line }));
  if (rows.length === 0) throw new InputError({ file }, 'has no predictions', 'expected one JSON object per line: {"id", "lang", "prediction"}');
  checkUnique(file, rows);
  return rows;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * References: `{id, lang?, summary}` a line (the split files; `reference`, `target`, `output`
 * accepted), or a MultiClinSum folder (fulltext/ + summaries/, ids from the file names as
 * `clinsum generate` gives them; `line` is then the record's position).
 */
export function readReferences(file: string): ReferenceRow[] {
  if (isFolder(file)) {
    const { records } = readDataset([file], { requireSummary: true });
    if (records.length === 0) throw new InputError({ file }, 'has no references', 'pass a MultiClinSum folder with fulltext/ and summaries/, or a .jsonl split file');
    return records.map((r, i) => ({ id: r.id, lang: r.lang, reference: r.summary!, line: i + 1 }));
  }
  const rows = readRows(file, referenceSchema, REFERENCE_FIX).map(({ value: v, line }) => ({
    id: v.id,
    lang: v.lang,
    reference: (v.summary ?? v.reference ?? v.target ?? v.output)!,
    line,
  }));
  if (rows.length === 0) throw new InputError({ file }, 'has no references', 'expected one JSON object per line: {"id", "lang", "summary"}');
  checkUnique(file, rows);
  // An id without a language next to the same id with one would be ambiguous for predictions.
  const langsById = new Map<string, (string | undefined)[]>();
  for (const r of rows) langsById.set(r.id, [...(langsById.get(r.id) ?? []), r.lang]);
  const ambiguous = [...langsById.entries()].filter(([, ls]) => ls.length > 1 && ls.includes(undefined)).map(([i]) => i);
  if (ambiguous.length > 0) {
    throw new InputError({ file }, `ids appear both with and without a \`lang\`: ${fewAndCount(quoteIds(ambiguous))}`, 'give every row a `lang`');
  }
  return rows;
}

export interface JoinOptions {
  predictionsFile: string;
  referencesFile: string;
  /** Score the pairs that match and count the rest, instead of failing. */
  allowMissing?: boolean;
}

export interface JoinResult {
  /** In reference-file order. */
  pairs: EvalPair[];
  /** Ids of references that have no prediction. */
  referencesWithoutPrediction: string[];
  /** Ids of predictions that have no reference. */
  predictionsWithoutReference: string[];
}

/**
 * Join predictions to references by id (and `lang`, where an id has several). Without
 * `allowMissing`, a difference between the two sets fails with an `InputError` that names
 * both files, a few ids of each side and the counts.
 */
export function joinPredictions(predictions: readonly PredictionRow[], references: readonly ReferenceRow[], options: JoinOptions): JoinResult {
  const { predictionsFile, referencesFile } = options;
  const refsById = new Map<string, ReferenceRow[]>();
  for (const r of references) refsById.set(r.id, [...(refsById.get(r.id) ?? []), r]);

  const matched = new Map<ReferenceRow, PredictionRow>();
  const orphans: string[] = [];
  const langMismatch: string[] = [];
  for (const p of predictions) {
    const candidates = refsById.get(p.id);
    if (candidates === undefined) {
      orphans.push(p.id);
      continue;
    }
    let ref: ReferenceRow | undefined;
    if (p.lang === undefined) {
      if (candidates.length > 1) {
        throw new InputError(
          { file: predictionsFile, line: p.line },
          `id ${JSON.stringify(p.id)} has references in several languages (${candidates.map((c) => c.lang).join(', ')}) in ${referencesFile}`,
          'give the prediction a `lang`',
        );
      }
      ref = candidates[0];
    } else {
      ref = candidates.find((c) => c.lang === undefined || c.lang === p.lang);
      if (ref === undefined) {
        langMismatch.push(`${JSON.stringify(p.id)} (${p.lang} here, ${candidates.map((c) => c.lang).join('/')} in the references)`);
        continue;
      }
    }
    const prev = matched.get(ref!);
    if (prev !== undefined) {
      throw new InputError(
        { file: predictionsFile },
        `lines ${prev.line} and ${p.line} both predict id ${JSON.stringify(p.id)} of ${referencesFile}:${ref!.line}`,
        'each reference must have one prediction',
      );
    }
    matched.set(ref!, p);
  }
  if (langMismatch.length > 0) {
    throw new InputError(
      { file: predictionsFile },
      `${langMismatch.length} prediction${langMismatch.length > 1 ? 's have' : ' has'} another language than the reference of the same id in ${referencesFile}: ${fewAndCount(langMismatch)}`,
      'check that both files come from the same split',
    );
  }

  const missing = references.filter((r) => !matched.has(r)).map((r) => r.id);
  if ((missing.length > 0 || orphans.length > 0) && options.allowMissing !== true) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`${missing.length} of ${references.length} references have no prediction (ids ${fewAndCount(quoteIds(missing))})`);
    if (orphans.length > 0) parts.push(`${orphans.length} predictions have no reference in ${referencesFile} (ids ${fewAndCount(quoteIds(orphans))})`);
    throw new InputError({ file: predictionsFile }, `does not match ${referencesFile}: ${parts.join('; ')}`, 'pass --allow-missing to score the pairs that match');
  }

  const pairs: EvalPair[] = [];
  for (const r of references) {
    const p = matched.get(r);
    if (p === undefined) continue;
    pairs.push({ id: r.id, lang: r.lang ?? p.lang ?? UNDETERMINED_LANG, reference: r.reference, prediction: p.prediction });
  }
  if (pairs.length === 0) {
    throw new InputError({ file: predictionsFile }, `no prediction matches an id of ${referencesFile}`, 'check that both files come from the same split');
  }
  return { pairs, referencesWithoutPrediction: missing, predictionsWithoutReference: orphans };
}
