/** `writeReport`: read run directories, render the page, write it atomically. */
import { basename, resolve } from 'node:path';
import { ConfigError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { Missing, RunData } from './model.js';
import { renderPage } from './page.js';
import { readRun } from './read/run.js';

export interface ReportOptions {
  /** Run directories; the first is the reference for colours and order. */
  runs: readonly string[];
  /** The HTML file to write. */
  out: string;
  /** Page title; default `clinsum report: <run names>`. */
  title?: string;
  /** Example cases per language; 0 leaves every clinical text out of the page. Default 2. */
  examplesPerLanguage?: number;
  /** Longest report excerpt in the examples, in characters (code points). Default 1200. */
  excerptChars?: number;
  /** Time shown in the header; default now. `null` shows none (byte-identical pages for identical runs). */
  generatedAt?: Date | null;
}

export interface RunSummary {
  dir: string;
  label: string;
  systems: string[];
  evaluated: string[];
  comparisons: string[];
  missing: Missing[];
  notes: string[];
}

export interface ReportResult {
  /** Absolute path of the file written. */
  out: string;
  bytes: number;
  runs: RunSummary[];
}

export const DEFAULT_EXAMPLES_PER_LANGUAGE = 2;
export const DEFAULT_EXCERPT_CHARS = 1200;

/** Labels for the runs: folder names, with `#2`, `#3` added where two folders share a name. */
export function runLabels(dirs: readonly string[]): string[] {
  const names = dirs.map((d) => basename(resolve(d)));
  return names.map((n, i) => {
    const same = names.filter((m) => m === n).length;
    if (same === 1) return n;
    return `${n} #${names.slice(0, i + 1).filter((m) => m === n).length}`;
  });
}

function summary(run: RunData): RunSummary {
  return {
    dir: run.dir,
    label: run.label,
    systems: run.systems.map((s) => s.name),
    evaluated: run.systems.filter((s) => s.evaluation !== undefined).map((s) => s.name),
    comparisons: run.comparisons.map((c) => `${c.value.a}-vs-${c.value.b}`),
    missing: run.missing,
    notes: run.notes,
  };
}

/**
 * `run` without any clinical text: no test reports or summaries, no teacher samples, no
 * predictions (their counts stay). With `--examples 0` the page is rendered from this, so no
 * section can show a text even by mistake.
 */
export function withoutTexts(run: RunData): RunData {
  return {
    ...run,
    test: run.test === undefined ? undefined : new Map([...run.test].map(([k, r]) => [k, { id: r.id, lang: r.lang, report: '' }])),
    teacher: run.teacher === undefined ? undefined : { ...run.teacher, samples: [] },
    systems: run.systems.map((s) => (s.predictions === undefined ? s : { ...s, predictions: { ...s.predictions, byKey: new Map() } })),
  };
}

/** Read every run, render the report and write it to `options.out`. */
export function writeReport(options: ReportOptions): ReportResult {
  if (options.runs.length === 0) throw new ConfigError('a report needs at least one run directory');
  const perLanguage = options.examplesPerLanguage ?? DEFAULT_EXAMPLES_PER_LANGUAGE;
  const excerptChars = options.excerptChars ?? DEFAULT_EXCERPT_CHARS;
  if (!Number.isInteger(perLanguage) || perLanguage < 0) throw new ConfigError(`examples per language must be a non-negative integer, got ${perLanguage}`);
  if (!Number.isInteger(excerptChars) || excerptChars < 1) throw new ConfigError(`the excerpt length must be a positive integer, got ${excerptChars}`);
  const labels = runLabels(options.runs);
  const read = options.runs.map((dir, i) => readRun(dir, { label: labels[i] }));
  const runs = perLanguage === 0 ? read.map(withoutTexts) : read;
  const generatedAt = options.generatedAt === null ? undefined : (options.generatedAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const html = renderPage(runs, {
    title: options.title ?? `clinsum report: ${labels.join(', ')}`,
    generatedAt,
    perLanguage,
    excerptChars,
  });
  const out = resolve(options.out);
  writeFileAtomic(out, html);
  return { out, bytes: Buffer.byteLength(html, 'utf8'), runs: runs.map(summary) };
}
