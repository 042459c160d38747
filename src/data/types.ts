/** The records every stage passes around: one clinical case report with its texts. */
import type { Lang } from './lang.js';

export interface CaseRecord {
  /** Stable id, unique across everything read together (see docs/data.md for how it is made). */
  id: string;
  lang: Lang;
  /** The report (NFC, surrounding white space stripped, otherwise unchanged). */
  report: string;
  /** The gold summary, when the input has one. */
  summary?: string;
  /** The clinical key information (the teacher's answer), when the input has one. */
  keyinfo?: string;
  /** Where the record came from: the report's file (and 1-based line for JSONL). */
  source: { file: string; line?: number };
}

/** An input item left out under `skipInvalid`, with why. Never contains clinical text. */
export interface Skipped {
  file: string;
  line?: number;
  /** The record id, when it was known. */
  id?: string;
  /** The problem, as the error message would have said it. */
  reason: string;
}

/** A file or folder read, with a hash of its contents (see docs/data.md). */
export interface DatasetSource {
  path: string;
  sha256: string;
}

export interface Dataset {
  records: CaseRecord[];
  skipped: Skipped[];
  sources: DatasetSource[];
}

export interface ReadOptions {
  /** Language of inputs that do not state one; an input that states another one is an error. */
  lang?: Lang;
  /** Skip bad items (reported in `skipped` and through `onSkip`) instead of failing. */
  skipInvalid?: boolean;
  /** Every record must have a summary (default true). False lets a folder without summaries/ be read. */
  requireSummary?: boolean;
  /** Called for each skipped item as it is found (e.g. to print it). */
  onSkip?: (s: Skipped) => void;
  /**
   * Every path must give at least one record (default false): an empty file or folder, or one
   * whose items were all skipped, is an `InputError` naming it, even with `skipInvalid`.
   */
  requireRecords?: boolean;
}
