/**
 * Writing the demo dataset to disk, in either of the two layouts `readDataset` reads:
 *  - `jsonl`: `DIR/demo.jsonl`, one `{"id","lang","report","summary"}` a line (ids `demo_es_007`);
 *  - `multiclinsum`: the MultiClinSum release layout, one folder per language,
 *    `DIR/multiclinsum_gs_train_<lang>/fulltext/multiclinsum_gs_<lang>_<k>.txt` and
 *    `.../summaries/multiclinsum_gs_<lang>_<k>_sum.txt` (ids `multiclinsum_gs_es_7`, as the reader
 *    derives them from the file names), each text followed by one newline.
 * The JSONL file is written atomically; the same options give the same bytes on every machine. An
 * existing language folder that holds files this run would not write (another count, or someone
 * else's data) is an error: the demo never mixes into or deletes other files.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, InputError } from '../../util/errors.js';
import { checkOutputDir, writeFileAtomic } from '../../util/fs.js';
import { toJsonl } from '../../util/jsonl.js';
import type { Lang } from '../lang.js';
import { generateDemoDataset, resolveDemoOptions, type DemoOptions, type DemoRecord } from './generate.js';

export type DemoLayout = 'jsonl' | 'multiclinsum';
export const DEMO_LAYOUTS: readonly DemoLayout[] = Object.freeze(['jsonl', 'multiclinsum']);

/** The file name of the `jsonl` layout. */
export const DEMO_JSONL_NAME = 'demo.jsonl';

export interface WriteDemoOptions extends DemoOptions {
  /** Default `jsonl`. */
  layout?: DemoLayout;
}

export interface DemoWriteResult {
  layout: DemoLayout;
  seed: number;
  perLanguage: number;
  /** What to give `readDataset`: the JSONL file, or the language folders (in the order en, es, fr, pt). */
  paths: string[];
  /** Number of files written. */
  files: number;
  /** Records per language. */
  counts: Partial<Record<Lang, number>>;
}

/** One JSONL row: exactly the fields a dataset row has, in the order `data split` writes them. */
export interface DemoRow {
  id: string;
  lang: Lang;
  report: string;
  summary: string;
}

export function demoRow(r: DemoRecord): DemoRow {
  return { id: r.id, lang: r.lang, report: r.report, summary: r.summary };
}

/** The folder of one language in the `multiclinsum` layout. */
export function multiclinsumFolder(lang: Lang): string {
  return `multiclinsum_gs_train_${lang}`;
}

/** Report and summary file names of the k-th (1-based) case of `lang` in the `multiclinsum` layout. */
export function multiclinsumFileNames(lang: Lang, k: number): { report: string; summary: string } {
  return { report: `multiclinsum_gs_${lang}_${k}.txt`, summary: `multiclinsum_gs_${lang}_${k}_sum.txt` };
}

/** Generate the demo dataset (see `generateDemoDataset`) and write it under `dir` (created). */
export function writeDemoDataset(dir: string, options: WriteDemoOptions = {}): DemoWriteResult {
  const o = resolveDemoOptions(options);
  const layout = options.layout ?? 'jsonl';
  if (!DEMO_LAYOUTS.includes(layout)) throw new ConfigError(`unknown demo layout "${String(layout)}" (use ${DEMO_LAYOUTS.join(' or ')})`);
  checkOutputDir(dir, 'give a folder to write the demo dataset into');
  const records = generateDemoDataset(o);
  const counts: Partial<Record<Lang, number>> = {};
  for (const r of records) counts[r.lang] = (counts[r.lang] ?? 0) + 1;
  const base = { layout, seed: o.seed, perLanguage: o.perLanguage, counts };
  if (layout === 'jsonl') {
    const file = join(dir, DEMO_JSONL_NAME);
    writeFileAtomic(file, toJsonl(records.map(demoRow)));
    return { ...base, paths: [file], files: 1 };
  }
  const paths: string[] = [];
  let files = 0;
  for (const lang of o.langs) {
    const folder = join(dir, multiclinsumFolder(lang));
    const mine = records.filter((r) => r.lang === lang);
    const names = mine.map((_, i) => multiclinsumFileNames(lang, i + 1));
    refuseForeignFiles(folder, 'fulltext', new Set(names.map((n) => n.report)));
    refuseForeignFiles(folder, 'summaries', new Set(names.map((n) => n.summary)));
    // Plain writes, not writeFileAtomic: hundreds of fsyncs would take seconds, and a file cut
    // short by a crash is rewritten whole by the next run (the same names, the same bytes).
    mkdirSync(join(folder, 'fulltext'), { recursive: true });
    mkdirSync(join(folder, 'summaries'), { recursive: true });
    mine.forEach((r, i) => {
      writeFileSync(join(folder, 'fulltext', names[i]!.report), `${r.report}\n`);
      writeFileSync(join(folder, 'summaries', names[i]!.summary), `${r.summary}\n`);
      files += 2;
    });
    paths.push(folder);
  }
  return { ...base, paths, files };
}

/** An existing `folder/sub` may hold only the files this run writes (and dot files). */
function refuseForeignFiles(folder: string, sub: string, allowed: ReadonlySet<string>): void {
  const path = join(folder, sub);
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new InputError({ file: path }, `cannot be listed (${(e as NodeJS.ErrnoException).code ?? String(e)})`, 'check the path');
  }
  const foreign = names.filter((n) => !n.startsWith('.') && !allowed.has(n)).sort();
  if (foreign.length > 0) {
    throw new InputError(
      { file: path },
      `already holds ${foreign.length} file(s) this demo would not write (first: ${foreign[0]})`,
      'write the demo into an empty folder, or delete the old demo folder first',
    );
  }
}
