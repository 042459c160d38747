/** What every stage factory is given: the resolved configuration and where things are. */
import { join } from 'node:path';
import type { RunConfig } from '../config.js';

export interface PipelineSetup {
  config: RunConfig;
  /** The run directory (absolute). */
  runDir: string;
  /** The systems to train, in order (`train.systems`' keys). */
  systems: readonly string[];
  /** Environment (API keys by name, HF_* for pulls). */
  env: NodeJS.ProcessEnv;
}

/** Paths inside the run directory (docs/run-directory.md). */
export const runPaths = {
  config: (run: string) => join(run, 'config.yaml'),
  splits: (run: string) => join(run, 'splits'),
  split: (run: string, name: 'train' | 'valid' | 'test') => join(run, 'splits', `${name}.jsonl`),
  teacher: (run: string) => join(run, 'teacher'),
  keyinfo: (run: string) => join(run, 'teacher', 'keyinfo.jsonl'),
  teacherStats: (run: string) => join(run, 'teacher', 'stats.json'),
  train: (run: string, system: string) => join(run, 'train', system),
  predictions: (run: string, system: string) => join(run, 'predictions', `${system}.jsonl`),
  eval: (run: string) => join(run, 'eval'),
  report: (run: string) => join(run, 'report.html'),
  models: (run: string, name: string) => join(run, 'models', name),
};
