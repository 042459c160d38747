/**
 * A tiny training run for tests and benchmarks: the shortest real MultiClinSum reports as
 * train/valid splits, key information made from each report's opening (a stand-in for the
 * teacher's answer), and a tiny random student with the real Qwen2.5 tokenizer. Everything is
 * written under a temporary folder; nothing of the reports enters the repository.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset, type CaseRecord } from '../../../data/index.js';
import { writeQwen25TokenizerFolder } from '../../../models/tokenizer/index.js';
import { toJsonl } from '../../../util/jsonl.js';
import { ToyLM, type ToyConfig } from './toy-lm.js';

/** The repository root (this file is compiled to dist/src/stages/train/testing/). */
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../../../../..');

export function sharedData(name: string): string {
  return resolve(REPO_ROOT, '..', 'shared', 'data', 'multiclinsum', name);
}

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
  model?: Partial<ToyConfig>;
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
  const all = readDataset([sharedData('multiclinsum_gs_train_en')]).records;
  const shortest = [...all].sort((a, b) => a.report.length - b.report.length || (a.id < b.id ? -1 : 1)).slice(0, nTrain + nValid);
  const train = shortest.slice(0, nTrain);
  const valid = shortest.slice(nTrain);
  const row = (r: CaseRecord) => ({ id: r.id, lang: r.lang, report: r.report, summary: r.summary });
  const paths = { train: join(dir, 'train.jsonl'), valid: join(dir, 'valid.jsonl'), keyinfo: join(dir, 'keyinfo.jsonl'), model: join(dir, 'model'), config: join(dir, 'train.yaml') };
  writeFileSync(paths.train, toJsonl(train.map(row)));
  writeFileSync(paths.valid, toJsonl(valid.map(row)));
  const withKeyinfo = train.slice(0, train.length - (o.withoutKeyinfo ?? 0));
  writeFileSync(paths.keyinfo, toJsonl(withKeyinfo.map((r) => ({ id: r.id, lang: r.lang, keyinfo: openingOf(r.report) }))));
  const config: ToyConfig = { vocab_size: 151936, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, ...o.model };
  const m = ToyLM.init(config, o.seed ?? 1);
  m.save(paths.model);
  m.dispose();
  writeQwen25TokenizerFolder(paths.model);
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
