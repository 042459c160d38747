/**
 * A tiny training run for tests and benchmarks: the shortest real MultiClinSum reports as
 * train/valid splits, key information made from each report's opening (a stand-in for the
 * teacher's answer), and a tiny random Qwen2 student with the real Qwen2.5 tokenizer
 * (`initTinyQwen2`, as `clinsum model init-tiny`). Everything is
 * written under a temporary folder; nothing of the reports enters the repository.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDataset, type CaseRecord } from '../../../data/index.js';
import { initTinyQwen2, type TinyQwen2Options } from '../../../models/qwen2/index.js';
import { toJsonl } from '../../../util/jsonl.js';
import { multiclinsumPath } from '../../../util/shared-data.js';
import { ConfigBuilder, requireInputs, type ReadyTrainConfig } from '../config.js';

/** The tiny student of the trainer's tests: Qwen2 with the real Qwen2.5 tokenizer and vocabulary. */
export const TEST_STUDENT: Readonly<TinyQwen2Options> = Object.freeze({ layers: 2, hidden: 32, heads: 4, kvHeads: 2, intermediate: 64 });

export interface TinyRun {
  model: string;
  train: string;
  valid: string;
  keyinfo: string;
  /** A config file with small budgets, pointing at the files above. */
  config: string;
  records: { train: CaseRecord[]; valid: CaseRecord[] };
}

export interface TinyRunOptions {
  train?: number;
  valid?: number;
  seed?: number;
  model?: TinyQwen2Options;
  /** Records without key information (the last N training records). */
  withoutKeyinfo?: number;
}

/** A stand-in for the teacher's key information: the report's first sentence (at most 300 characters). */
export function openingOf(report: string): string {
  const cut = report.search(/[.!?]\s/);
  return (cut > 0 && cut < 300 ? report.slice(0, cut + 1) : report.slice(0, 300)).trim();
}

export function writeTinyRun(dir: string, o: TinyRunOptions = {}): TinyRun {
  const nTrain = o.train ?? 8;
  const nValid = o.valid ?? 2;
  mkdirSync(dir, { recursive: true });
  const all = readDataset([multiclinsumPath('multiclinsum_gs_train_en')]).records;
  const shortest = [...all].sort((a, b) => a.report.length - b.report.length || (a.id < b.id ? -1 : 1)).slice(0, nTrain + nValid);
  const train = shortest.slice(0, nTrain);
  const valid = shortest.slice(nTrain);
  const row = (r: CaseRecord) => ({ id: r.id, lang: r.lang, report: r.report, summary: r.summary });
  const paths = { train: join(dir, 'train.jsonl'), valid: join(dir, 'valid.jsonl'), keyinfo: join(dir, 'keyinfo.jsonl'), model: join(dir, 'model'), config: join(dir, 'train.yaml') };
  writeFileSync(paths.train, toJsonl(train.map(row)));
  writeFileSync(paths.valid, toJsonl(valid.map(row)));
  const withKeyinfo = train.slice(0, train.length - (o.withoutKeyinfo ?? 0));
  writeFileSync(paths.keyinfo, toJsonl(withKeyinfo.map((r) => ({ id: r.id, lang: r.lang, keyinfo: openingOf(r.report) }))));
  initTinyQwen2(paths.model, { ...TEST_STUDENT, seed: o.seed ?? 1, ...o.model });
  writeFileSync(
    paths.config,
    [
      'model: model',
      'train: train.jsonl',
      'valid: valid.jsonl',
      'keyinfo: keyinfo.jsonl',
      'out: out',
      'device: cpu',
      'budgets: {prompt_tokens: 160, target_tokens: 40}',
      'batch: {max_tokens: 1024}',
      'eval: {every: 4, max_new_tokens: 8}',
      '',
    ].join('\n'),
  );
  return { ...paths, records: { train, valid } };
}

/** The training config of `run.config` with `settings` (dotted path → value, e.g. `'optimizer.lr': 1e-2`) set on top by the test. */
export function tinyRunConfig(run: Pick<TinyRun, 'config'>, settings: Readonly<Record<string, unknown>>): ReadyTrainConfig {
  const b = new ConfigBuilder().addFile(run.config);
  for (const [path, value] of Object.entries(settings)) b.set({ path, value, source: 'test' });
  return requireInputs(b.build());
}
