/**
 * Seeded train/valid/test splits, per language, identical on every machine and version.
 *
 * Algorithm (docs/data.md): for each language in the order en, es, fr, pt, its records are
 * sorted by id (UTF-16 code unit order, so the input order does not matter), shuffled with
 * clinsum's `Prng` seeded with `Prng.deriveSeed(seed, lang)`, and cut at
 * nTrain = floor(rTrain·n + 1e-9), nValid = floor(rValid·n + 1e-9), nTest = n − nTrain − nValid
 * (592 → 473 / 5 / 114 with 0.8 / 0.01 / 0.19).
 */
import { join } from 'node:path';
import { ConfigError } from '../util/errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs.js';
import { sha256 } from '../util/hash.js';
import { toJsonl } from '../util/jsonl.js';
import { Prng } from '../util/prng.js';
import { LANGS, type Lang } from './lang.js';
import type { CaseRecord, DatasetSource } from './types.js';

export type SplitName = 'train' | 'valid' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = Object.freeze(['train', 'valid', 'test']);

export interface SplitOptions {
  seed: number;
  /** [train, valid, test], each ≥ 0, summing to 1. */
  ratios: readonly [number, number, number];
}

export const DEFAULT_SPLIT: Readonly<SplitOptions> = Object.freeze({ seed: 42, ratios: [0.8, 0.01, 0.19] as const });

export type SplitCounts = Record<SplitName, number>;

export interface Split {
  train: CaseRecord[];
  valid: CaseRecord[];
  test: CaseRecord[];
  counts: Partial<Record<Lang, SplitCounts>>;
}

/** Integer cut points for n items: floor for train and valid (with a 1e-9 guard), the rest is test. */
export function cutPoints(n: number, ratios: readonly [number, number, number]): SplitCounts {
  const train = Math.floor(ratios[0] * n + 1e-9);
  const valid = Math.floor(ratios[1] * n + 1e-9);
  return { train, valid, test: n - train - valid };
}

export function checkSplitOptions(o: SplitOptions): void {
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new ConfigError(`the split seed must be an integer in [0, 2^32), got ${o.seed}`);
  if (o.ratios.length !== 3 || o.ratios.some((r) => !Number.isFinite(r) || r < 0)) {
    throw new ConfigError(`split ratios must be three non-negative numbers (train, valid, test), got ${o.ratios.join(',')}`);
  }
  const sum = o.ratios[0] + o.ratios[1] + o.ratios[2];
  if (Math.abs(sum - 1) > 1e-6) {
    throw new ConfigError(
      `split ratios must sum to 1, got ${o.ratios.join(' + ')} = ${Number(sum.toFixed(6))}; give train,valid,test fractions such as 0.8,0.01,0.19 (--ratios of clinsum data split, split.ratios in a run configuration)`,
    );
  }
}

/** Split records per language (see the module comment). Each output keeps languages in order en, es, fr, pt. */
export function splitRecords(records: readonly CaseRecord[], options: SplitOptions = DEFAULT_SPLIT): Split {
  checkSplitOptions(options);
  const out: Split = { train: [], valid: [], test: [], counts: {} };
  for (const lang of LANGS) {
    const group = records.filter((r) => r.lang === lang).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (group.length === 0) continue;
    new Prng(Prng.deriveSeed(options.seed, lang)).shuffle(group);
    const c = cutPoints(group.length, options.ratios);
    out.train.push(...group.slice(0, c.train));
    out.valid.push(...group.slice(c.train, c.train + c.valid));
    out.test.push(...group.slice(c.train + c.valid));
    out.counts[lang] = c;
  }
  return out;
}

/** One output row: id, lang, report, summary (and keyinfo when the record has one). */
export function splitRow(r: CaseRecord): Record<string, string> {
  const row: Record<string, string> = { id: r.id, lang: r.lang, report: r.report };
  if (r.summary !== undefined) row.summary = r.summary;
  if (r.keyinfo !== undefined) row.keyinfo = r.keyinfo;
  return row;
}

export interface SplitManifest {
  seed: number;
  ratios: [number, number, number];
  algorithm: string;
  counts: Partial<Record<Lang, SplitCounts>>;
  total: SplitCounts;
  sources: DatasetSource[];
  files: Record<SplitName, { rows: number; sha256: string }>;
  skipped: number;
}

/**
 * Split and write `outDir/{train,valid,test}.jsonl` and `outDir/manifest.json`. The same records,
 * sources and options always give byte-identical files (nothing time- or machine-dependent).
 */
export function writeSplit(
  records: readonly CaseRecord[],
  sources: readonly DatasetSource[],
  outDir: string,
  options: SplitOptions = DEFAULT_SPLIT,
  skipped = 0,
): SplitManifest {
  const split = splitRecords(records, options);
  const files = {} as SplitManifest['files'];
  const total: SplitCounts = { train: 0, valid: 0, test: 0 };
  for (const name of SPLIT_NAMES) {
    const text = toJsonl(split[name].map(splitRow));
    writeFileAtomic(join(outDir, `${name}.jsonl`), text);
    files[name] = { rows: split[name].length, sha256: sha256(text) };
    total[name] = split[name].length;
  }
  const manifest: SplitManifest = {
    seed: options.seed,
    ratios: [...options.ratios],
    algorithm:
      'per language (en, es, fr, pt): sort by id, shuffle with clinsum Prng (xoshiro128**, SplitMix32 seeding) seeded Prng.deriveSeed(seed, lang), cut train = floor(r0*n + 1e-9), valid = floor(r1*n + 1e-9), test = rest',
    counts: split.counts,
    total,
    sources: sources.map((s) => ({ path: s.path, sha256: s.sha256 })),
    files,
    skipped,
  };
  writeJsonAtomic(join(outDir, 'manifest.json'), manifest);
  return manifest;
}
