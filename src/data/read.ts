/**
 * Dataset readers: MultiClinSum folders, JSON arrays, JSONL and .jsonl.gz, into `CaseRecord`s.
 *
 * Texts are NFC-normalized and stripped of surrounding white space, nothing else. Bad input
 * (a missing pair file, an empty text, invalid UTF-8, a BOM, a binary file, duplicate ids, an
 * unknown language, a malformed row) is an `InputError` naming the file (and line); with
 * `skipInvalid` the item is skipped and reported in `skipped`, never dropped silently.
 * Error messages never quote file contents. The layouts, ids and order are in docs/data.md.
 */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError, type InputLocation } from '../util/errors.js';
import { decodeUtf8Strict } from '../util/fs.js';
import { sha256 } from '../util/hash.js';
import { parseWith, z } from '../util/schema.js';
import { langFromFileName, LANGS, isLang, unknownLangProblem, type Lang } from './lang.js';
import type { CaseRecord, Dataset, DatasetSource, ReadOptions, Skipped } from './types.js';

/** NFC, then strip surrounding white space (JavaScript `trim`): the only change made to texts. */
export function cleanText(s: string): string {
  return s.normalize('NFC').trim();
}

/**
 * Read every path (MultiClinSum folders, `.json`, `.json.gz`, `.jsonl`, `.jsonl.gz`) into one
 * list of records, in order: paths as given; within a folder by the case number n, ascending;
 * within a JSON(L) file by position.
 */
export function readDataset(paths: readonly string[], options: ReadOptions = {}): Dataset {
  const ctx = new ReadContext(options);
  for (const p of paths) {
    const before = ctx.records.length;
    const skippedBefore = ctx.skipped.length;
    ctx.guard({ file: p }, () => readPath(p, ctx));
    if (options.requireRecords && ctx.records.length === before) {
      const skipped = ctx.skipped.length - skippedBefore;
      throw new InputError(
        { file: p },
        skipped > 0 ? `holds no valid records (${skipped} item(s) skipped)` : 'holds no records',
        skipped > 0 ? 'fix the items named above' : 'pass a MultiClinSum folder, a .json array or a .jsonl file with at least one record',
      );
    }
  }
  return { records: ctx.records, skipped: ctx.skipped, sources: ctx.sources };
}

class ReadContext {
  readonly records: CaseRecord[] = [];
  readonly skipped: Skipped[] = [];
  readonly sources: DatasetSource[] = [];
  private readonly ids = new Map<string, { file: string; line?: number }>();

  constructor(readonly options: ReadOptions) {}

  get requireSummary(): boolean {
    return this.options.requireSummary ?? true;
  }

  /** Run `fn`; an InputError it throws is skipped (with `skipInvalid`) or rethrown. */
  guard(where: { file: string; line?: number; id?: string }, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof InputError) || !this.options.skipInvalid) throw e;
      const s: Skipped = { file: e.location.file ?? where.file, reason: e.message };
      const line = e.location.line ?? where.line;
      if (line !== undefined) s.line = line;
      if (where.id !== undefined) s.id = where.id;
      this.skipped.push(s);
      this.options.onSkip?.(s);
    }
  }

  /** Add a record; `where` (default: its source) locates it in a duplicate-id error. */
  add(r: CaseRecord, where: InputLocation = r.source): void {
    const first = this.ids.get(r.id);
    if (first) {
      throw new InputError(
        where,
        `duplicate id "${r.id}" (first at ${first.file}${first.line !== undefined ? `:${first.line}` : ''})`,
        'give every record its own id',
      );
    }
    this.ids.set(r.id, r.source);
    this.records.push(r);
  }

  /** The language of an input: its own statement, else --lang; both and different is an error. */
  lang(stated: Lang | undefined, where: { file: string; line?: number }, what: string): Lang {
    const flag = this.options.lang;
    if (stated !== undefined && flag !== undefined && stated !== flag) {
      throw new InputError(where, `${what} says language ${stated} but ${flag} was asked for`, 'drop --lang or read the files of that language only');
    }
    const l = stated ?? flag;
    if (l === undefined) {
      throw new InputError(where, 'has no language (no `lang` field, no language code in the file name)', `pass --lang (${LANGS.join(', ')})`);
    }
    return l;
  }
}

function readPath(p: string, ctx: ReadContext): void {
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError({ file: p }, code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(e)})`, 'check the path');
  }
  if (st.isDirectory()) return readFolder(p, ctx);
  const name = basename(p).toLowerCase();
  if (/\.jsonl(\.gz)?$/.test(name)) return readJsonLines(p, ctx);
  if (/\.json(\.gz)?$/.test(name)) return readJsonArray(p, ctx);
  throw new InputError(
    { file: p },
    'is not a dataset (expected a MultiClinSum folder, .json, .jsonl or .jsonl.gz)',
    'pass the folder that holds fulltext/ and summaries/, or a JSON(L) file',
  );
}

// ---------------------------------------------------------------------------------------------
// MultiClinSum folders

/** A MultiClinSum file name split into its parts. */
export interface CaseFileName {
  /** The name without `.txt` (and without `_sum` for summaries): the record id. */
  stem: string;
  /** The case number n. */
  n: number;
  lang: Lang;
  summary: boolean;
}

const CASE_NAME = /^(multiclinsum_[a-z0-9-]+?_(?:[a-z]{2}_(\d+)|(\d+)_[a-z]{2}))(_sum)?\.txt$/i;

/**
 * Parse `multiclinsum_{set}_{lang}_{n}[_sum].txt` or `multiclinsum_{set}_{n}_{lang}[_sum].txt`;
 * undefined when the name follows neither scheme. An unsupported language is an InputError
 * naming `path` (the file's path; default the name itself).
 */
export function parseCaseFileName(name: string, path: string = name): CaseFileName | undefined {
  const m = CASE_NAME.exec(name);
  if (!m) return undefined;
  const lang = langFromFileName(path);
  if (lang === undefined) return undefined;
  return { stem: m[1]!, n: Number(m[2] ?? m[3]), lang, summary: m[4] !== undefined };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The folder that holds fulltext/: the one given, or the nested folder of the same name. */
function caseRoot(dir: string): string {
  if (isDir(join(dir, 'fulltext'))) return dir;
  const nested = join(dir, basename(dir.replace(/[\\/]+$/, '')));
  if (isDir(join(nested, 'fulltext'))) return nested;
  throw new InputError(
    { file: dir },
    'has no fulltext/ folder (nor a nested folder of the same name with one)',
    'pass a MultiClinSum folder: fulltext/*.txt and summaries/*_sum.txt',
  );
}

interface FileEntry {
  path: string;
  rel: string;
  bytes: Buffer;
}

function listTxt(sub: string, root: string, ctx: ReadContext, hashes: { rel: string; sha: string }[]): Map<string, FileEntry & { name: CaseFileName }> {
  const out = new Map<string, FileEntry & { name: CaseFileName }>();
  let entries: Dirent[];
  try {
    entries = readdirSync(sub, { withFileTypes: true });
  } catch (e) {
    throw new InputError({ file: sub }, `cannot be listed (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const wantSummary = basename(sub) === 'summaries';
  for (const ent of entries) {
    if (ent.name.startsWith('.')) continue; // .DS_Store and the like
    const path = join(sub, ent.name);
    ctx.guard({ file: path }, () => {
      if (!ent.isFile()) throw new InputError({ file: path }, 'is not a regular file', `${basename(sub)}/ must hold only .txt files`);
      const name = parseCaseFileName(ent.name, path);
      const scheme = wantSummary ? 'multiclinsum_{set}_{lang}_{n}_sum.txt or multiclinsum_{set}_{n}_{lang}_sum.txt' : 'multiclinsum_{set}_{lang}_{n}.txt or multiclinsum_{set}_{n}_{lang}.txt';
      if (!name || name.summary !== wantSummary) {
        throw new InputError({ file: path }, `is not named like a MultiClinSum ${wantSummary ? 'summary' : 'report'}`, `name it ${scheme}`);
      }
      const bytes = readFileSync(path);
      const rel = relative(root, path).split('\\').join('/');
      hashes.push({ rel, sha: sha256(bytes) });
      out.set(name.stem, { path, rel, bytes, name });
    });
  }
  return out;
}

function readFolder(dir: string, ctx: ReadContext): void {
  const root = caseRoot(dir);
  const hashes: { rel: string; sha: string }[] = [];
  try {
    const reports = listTxt(join(root, 'fulltext'), dir, ctx, hashes);
    const summariesDir = join(root, 'summaries');
    const hasSummaries = isDir(summariesDir);
    if (!hasSummaries && ctx.requireSummary) {
      throw new InputError({ file: dir }, 'has no summaries/ folder', 'add summaries/*_sum.txt, or read reports only where summaries are not needed');
    }
    const summaries = hasSummaries ? listTxt(summariesDir, dir, ctx, hashes) : new Map<string, FileEntry & { name: CaseFileName }>();
    const items = [...reports.values()].sort((a, b) => a.name.n - b.name.n || (a.name.stem < b.name.stem ? -1 : a.name.stem > b.name.stem ? 1 : 0));
    for (const r of items) {
      ctx.guard({ file: r.path, id: r.name.stem }, () => {
        const s = summaries.get(r.name.stem);
        if (hasSummaries && !s) {
          throw new InputError({ file: r.path }, `has no summary (expected summaries/${r.name.stem}_sum.txt)`, 'add the summary file or remove the report');
        }
        const lang = ctx.lang(r.name.lang, { file: r.path }, 'the file name');
        const record: CaseRecord = { id: r.name.stem, lang, report: textOf(r.bytes, r.path), source: { file: r.path } };
        if (s) record.summary = textOf(s.bytes, s.path);
        ctx.add(record);
      });
    }
    for (const s of summaries.values()) {
      if (!reports.has(s.name.stem)) {
        ctx.guard({ file: s.path, id: s.name.stem }, () => {
          throw new InputError({ file: s.path }, `has no report (expected fulltext/${s.name.stem}.txt)`, 'add the report file or remove the summary');
        });
      }
    }
  } finally {
    hashes.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
    ctx.sources.push({ path: dir, sha256: sha256(hashes.map((h) => `${h.sha}  ${h.rel}\n`).join('')) });
  }
}

/**
 * A MultiClinSum `.txt` file's text: line ends as Python's universal newlines read them (`\r\n`
 * and a lone `\r` become `\n`, so a copy with Windows line ends gives the published lengths),
 * then `cleanText`.
 */
function textOf(bytes: Uint8Array, file: string): string {
  const t = cleanText(decodeUtf8Strict(bytes, file).replace(/\r\n?/g, '\n'));
  if (t === '') throw new InputError({ file }, 'is empty (nothing but white space)', 'remove it or fill it');
  return t;
}

// ---------------------------------------------------------------------------------------------
// JSON and JSONL

const idField = z.union([z.string().trim().min(1), z.number().int().nonnegative()], {
  error: 'an id must be a non-empty string or a non-negative integer',
});
const text = z.string();
const optText = z.string().nullable().optional();

/** One row: extra fields are ignored; `null` summary/keyinfo count as absent. */
const rowSchema = z.looseObject({
  id: idField.optional(),
  lang: z.string().optional(),
  report: text.optional(),
  input: text.optional(),
  text: text.optional(),
  fulltext: text.optional(),
  summary: optText,
  output: optText,
  keyinfo: optText,
  rationale: optText,
});
type Row = z.output<typeof rowSchema>;

const REPORT_FIELDS = ['report', 'input', 'text', 'fulltext'] as const;
const SUMMARY_FIELDS = ['summary', 'output'] as const;
const KEYINFO_FIELDS = ['keyinfo', 'rationale'] as const;

/** The one field of `names` the row has (an error if several), or undefined. */
function pick(row: Row, names: readonly (keyof Row & string)[], where: { file: string; line?: number; field?: string }): { field: string; value: string } | undefined {
  const present = names.filter((n) => row[n] !== undefined && row[n] !== null);
  if (present.length > 1) {
    throw new InputError(where, `has both \`${present[0]}\` and \`${present[1]}\``, 'keep one of them');
  }
  const f = present[0];
  return f === undefined ? undefined : { field: f, value: row[f] as string };
}

function fileStem(file: string): string {
  return basename(file).replace(/\.gz$/i, '').replace(/\.(jsonl|json)$/i, '');
}

function rowToRecord(value: unknown, file: string, line: number | undefined, element: number, fileLang: Lang | undefined, ctx: ReadContext): void {
  const loc = line !== undefined ? { file, line } : { file, field: `[${element - 1}]` };
  const row = parseWith(rowSchema, value, loc, 'see docs/data.md for the fields');
  const id = row.id !== undefined ? String(row.id) : `${fileStem(file)}:${element}`;
  ctx.guard({ file, line, id }, () => {
    const at = (field: string) => (line !== undefined ? { file, line, field } : { file, field: `[${element - 1}].${field}` });
    let stated = fileLang;
    if (row.lang !== undefined) {
      const l = row.lang.trim().toLowerCase();
      if (!isLang(l)) throw new InputError(at('lang'), unknownLangProblem(row.lang), `use one of ${LANGS.join(', ')}`);
      if (fileLang !== undefined && l !== fileLang) throw new InputError(at('lang'), `is ${l} but the file name says ${fileLang}`, 'rename the file or fix the row');
      stated = l;
    }
    const lang = ctx.lang(stated, loc, row.lang !== undefined ? 'the row' : 'the file name');
    const report = pick(row, REPORT_FIELDS, loc);
    if (!report) throw new InputError(loc, 'has no report (a `report`, `input`, `text` or `fulltext` field)', 'add the report text');
    const summary = pick(row, SUMMARY_FIELDS, loc);
    if (!summary && ctx.requireSummary) throw new InputError(loc, 'has no summary (a `summary` or `output` field)', 'add the summary, or read reports only where summaries are not needed');
    const keyinfo = pick(row, KEYINFO_FIELDS, loc);
    const clean = (p: { field: string; value: string }): string => {
      const t = cleanText(p.value);
      if (t === '') throw new InputError(at(p.field), 'is empty', 'fill it or remove the row');
      return t;
    };
    const record: CaseRecord = { id, lang, report: clean(report), source: line !== undefined ? { file, line } : { file } };
    if (summary) record.summary = clean(summary);
    if (keyinfo) record.keyinfo = clean(keyinfo);
    ctx.add(record, loc);
  });
}

/** File bytes (un-gzipped for .gz) as strict UTF-8; records the raw bytes' hash as a source. */
function readJsonText(file: string, ctx: ReadContext): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError({ file }, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  ctx.sources.push({ path: file, sha256: sha256(bytes) });
  if (file.toLowerCase().endsWith('.gz')) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new InputError({ file }, 'is not a valid gzip file', 'compress it with gzip or drop the .gz suffix');
    }
  }
  return decodeUtf8Strict(bytes, file);
}

/** JSON.parse whose error names only the position, never the (clinical) text around it. */
function parseJson(s: string, where: { file: string; line?: number }, what: string): unknown {
  try {
    return JSON.parse(s);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message);
    throw new InputError(where, `is not valid JSON${pos ? ` (at character ${Number(pos[1]) + 1})` : ''}`, what);
  }
}

function readJsonLines(file: string, ctx: ReadContext): void {
  const text = readJsonText(file, ctx);
  const fileLang = langFromFileName(file);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (raw.trim() === '') continue;
    ctx.guard({ file, line: i + 1 }, () => {
      const value = parseJson(raw, { file, line: i + 1 }, 'write one JSON object per line');
      rowToRecord(value, file, i + 1, i + 1, fileLang, ctx);
    });
  }
}

function readJsonArray(file: string, ctx: ReadContext): void {
  const text = readJsonText(file, ctx);
  const fileLang = langFromFileName(file);
  const value = parseJson(text, { file }, 'write a JSON array of objects');
  if (!Array.isArray(value)) throw new InputError({ file }, 'is not a JSON array', 'write a JSON array of objects, or use JSONL');
  for (let i = 0; i < value.length; i++) {
    ctx.guard({ file }, () => rowToRecord(value[i], file, undefined, i + 1, fileLang, ctx));
  }
}
