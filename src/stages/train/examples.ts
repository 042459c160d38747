/**
 * The training and valid examples: records read with the data layer, key information joined by
 * id from the teacher's `keyinfo.jsonl`, formatted with the model's chat template and masks.
 *
 * Each training record gives a `sum` example (report → summary) and, when it has key information
 * and γ < 1, an `ext` example (report → key information). γ = 1 formats no `ext` example and
 * needs no key information; γ = 0 formats no `sum` example.
 */
import { cleanText, formatRecord, readDataset, truncationCounts, type CaseRecord, type FormattedExample, type Layout, type PromptSet, type Task } from '../../data/index.js';
import type { Tokenizer } from '../../models/tokenizer/index.js';
import { ConfigError, InputError } from '../../util/errors.js';
import { readTextMaybeGz, parseJsonl } from '../../util/jsonl.js';
import { sha256 } from '../../util/hash.js';
import { z } from '../../util/schema.js';
import { CLI_TRAIN_HINTS, type TrainHints } from './hints.js';

export interface ExampleOptions {
  gamma: number;
  layout: Layout;
  prompts: PromptSet;
  budgets: { prompt_tokens: number; target_tokens: number };
}

export interface KeyinfoFile {
  /** id → key information (NFC, stripped); rows with no or empty key information are left out. */
  byId: Map<string, { lang: string | undefined; keyinfo: string }>;
  /** Rows without key information (a teacher failure, flagged in the file). */
  empty: number;
  /** Their ids. */
  emptyIds: ReadonlySet<string>;
  sha256: string;
}

const keyinfoRow = z.looseObject({
  id: z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String),
  lang: z.string().optional(),
  keyinfo: z.string().nullable().optional(),
});

/** Reads `teacher/keyinfo.jsonl` (`{id, lang, keyinfo, ...}` a line); duplicate ids are errors. */
export function readKeyinfo(file: string): KeyinfoFile {
  const text = readTextMaybeGz(file);
  const rows = parseJsonl(text, file, keyinfoRow);
  const byId = new Map<string, { lang: string | undefined; keyinfo: string }>();
  const lines = new Map<string, number>();
  const emptyIds = new Set<string>();
  for (const { value, line } of rows) {
    const first = lines.get(value.id);
    if (first !== undefined) throw new InputError({ file, line, field: 'id' }, `duplicate id ${value.id} (first on line ${first})`);
    lines.set(value.id, line);
    const k = value.keyinfo == null ? '' : cleanText(value.keyinfo);
    if (k === '') {
      emptyIds.add(value.id);
      continue;
    }
    byId.set(value.id, { lang: value.lang, keyinfo: k });
  }
  return { byId, empty: emptyIds.size, emptyIds, sha256: sha256(text) };
}

/**
 * Gives each record the key information of `keyinfo` (joined by id; it wins over a record's own
 * `keyinfo` field). A joined row whose `lang` differs from the record's is an error.
 */
export function joinKeyinfo(records: readonly CaseRecord[], keyinfo: KeyinfoFile | undefined, file: string | undefined): CaseRecord[] {
  if (keyinfo === undefined) return [...records];
  return records.map((r) => {
    const k = keyinfo.byId.get(r.id);
    if (k === undefined) return r;
    if (k.lang !== undefined && k.lang !== r.lang) {
      throw new InputError({ file, field: 'lang' }, `the key information of record ${r.id} is marked ${k.lang}, the record is ${r.lang}`, 'join key information made for the same split');
    }
    return { ...r, keyinfo: k.keyinfo };
  });
}

/** The tasks a record is formatted for under γ. */
export function tasksFor(rec: CaseRecord, gamma: number): Task[] {
  const tasks: Task[] = [];
  if (gamma > 0) tasks.push('sum');
  if (gamma < 1 && rec.keyinfo !== undefined) tasks.push('ext');
  return tasks;
}

export function formatAll(records: readonly CaseRecord[], tok: Tokenizer, o: ExampleOptions, tasksOf: (r: CaseRecord) => Task[] = (r) => tasksFor(r, o.gamma)): FormattedExample[] {
  const fmt = { layout: o.layout, prompts: o.prompts, budgets: { promptTokens: o.budgets.prompt_tokens, targetTokens: o.budgets.target_tokens } };
  const out: FormattedExample[] = [];
  for (const r of records) {
    const tasks = tasksOf(r);
    if (tasks.length > 0) out.push(...formatRecord(r, tok, fmt, tasks));
  }
  return out;
}

export interface TrainingSet {
  records: CaseRecord[];
  examples: FormattedExample[];
  /** SHA-256 of the training input(s) and of the key-information file: a resume checks them. */
  sources: { train: string; keyinfo: string | null };
  stats: {
    records: number;
    sum: number;
    ext: number;
    /** Records without key information (only `sum` for them) while γ < 1. */
    missingKeyinfo: number;
    reportCut: number;
    targetCut: number;
  };
}

/** Why no record got key information from `keyinfo`: its rows for them are empty, or their ids are not in it. */
function whyNoKeyinfo(records: readonly CaseRecord[], keyinfo: KeyinfoFile, trainPath: string, keyinfoPath: string): string {
  const empty = records.filter((r) => keyinfo.emptyIds.has(r.id)).length;
  if (empty === 0) return `none of ${trainPath}'s ids is in ${keyinfoPath}`;
  const which = empty === records.length ? `all ${empty}` : `${empty} of ${records.length}`;
  const rest = empty === records.length ? '' : `; the other ${records.length - empty} are not in it`;
  return `${which} of ${trainPath}'s ids are in ${keyinfoPath}, with no key information (null or empty)${rest}`;
}

/** Reads, joins and formats the training split. `hints` word the error for missing key information (default: the CLI's flags). */
export function loadTrainingSet(trainPath: string, keyinfoPath: string | null, tok: Tokenizer, o: ExampleOptions, hints: TrainHints = CLI_TRAIN_HINTS): TrainingSet {
  const ds = readDataset([trainPath], { requireSummary: o.gamma > 0 });
  if (ds.records.length === 0) throw new InputError({ file: trainPath }, 'holds no records');
  const keyinfo = keyinfoPath === null || o.gamma === 1 ? undefined : readKeyinfo(keyinfoPath);
  const records = joinKeyinfo(ds.records, keyinfo, keyinfoPath ?? undefined);
  const withKeyinfo = records.filter((r) => r.keyinfo !== undefined).length;
  if (o.gamma < 1 && withKeyinfo === 0) {
    throw new ConfigError(
      `gamma is ${o.gamma} but no training record has key information (${keyinfoPath === null || keyinfo === undefined ? 'no key-information file given' : whyNoKeyinfo(records, keyinfo, trainPath, keyinfoPath)}); ${hints.keyinfo}, or ${hints.noKeyinfo}`,
    );
  }
  const examples = formatAll(records, tok, o);
  const cuts = truncationCounts(examples);
  return {
    records,
    examples,
    sources: { train: ds.sources.map((s) => s.sha256).join(','), keyinfo: keyinfo?.sha256 ?? null },
    stats: {
      records: records.length,
      sum: examples.filter((e) => e.task === 'sum').length,
      ext: examples.filter((e) => e.task === 'ext').length,
      missingKeyinfo: o.gamma < 1 ? records.length - withKeyinfo : 0,
      reportCut: cuts.reportCut,
      targetCut: cuts.targetCut,
    },
  };
}

export interface ValidSet {
  /** Records with summaries, for generation (the first `maxExamples`). */
  records: CaseRecord[];
  /** Their teacher-forced examples: `sum` always (even at γ = 0), `ext` where key information exists and γ < 1. */
  examples: FormattedExample[];
  /** sha256 of the valid file (evaluations of two files are not comparable). */
  source: string;
}

/** Reads and formats the valid split (key information joined when the file covers it). */
export function loadValidSet(validPath: string, keyinfoPath: string | null, tok: Tokenizer, o: ExampleOptions, maxExamples: number | null): ValidSet {
  const ds = readDataset([validPath], { requireSummary: true });
  if (ds.records.length === 0) throw new InputError({ file: validPath }, 'holds no records');
  const keyinfo = keyinfoPath === null || o.gamma === 1 ? undefined : readKeyinfo(keyinfoPath);
  const records = joinKeyinfo(maxExamples === null ? ds.records : ds.records.slice(0, maxExamples), keyinfo, keyinfoPath ?? undefined);
  const tasksOf = (r: CaseRecord): Task[] => (o.gamma < 1 && r.keyinfo !== undefined ? ['sum', 'ext'] : ['sum']);
  return { records, examples: formatAll(records, tok, o, tasksOf), source: ds.sources.map((src) => src.sha256).join(',') };
}
