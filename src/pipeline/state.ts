/**
 * `RUN/run.json`, the pipeline's memory (docs/run-directory.md): per stage its status, the hash of
 * its inputs (and of each input, to say what changed), its outputs and timings. Rewritten
 * atomically at every transition, so a crash leaves the last state that was true.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readUtf8Strict, writeJsonAtomic } from '../util/fs.js';
import { InputError } from '../util/errors.js';
import { parseWith, z } from '../util/schema.js';

export const STAGE_STATUSES = ['running', 'done', 'interrupted', 'stopped', 'failed'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits');

export const stageRecordSchema = z.strictObject({
  status: z.enum(STAGE_STATUSES),
  /** sha256 of the canonical JSON of `inputs`. */
  input_hash: hex64,
  /** Per input: `config` (the configuration the stage reads) and every input path, with its sha256. */
  inputs: z.record(z.string(), hex64),
  /** Files and folders the stage wrote, relative to the run directory. */
  outputs: z.array(z.string()),
  started: z.string(),
  finished: z.string().nullable(),
  /** Wall time of the last attempt, seconds. */
  seconds: z.number().nullable(),
  /** Attempts with these inputs (a resume counts one more). */
  attempts: z.number().int().min(1),
  /** One line: what the stage did (counts), or why it stopped or failed. */
  message: z.string().nullable(),
});
export type StageRecord = z.output<typeof stageRecordSchema>;

export const runStateSchema = z.strictObject({
  version: z.literal(1),
  stages: z.record(z.string(), stageRecordSchema),
});
export type RunState = z.output<typeof runStateSchema>;

export const RUN_STATE_FILE = 'run.json';

/** Reads `run.json` of a run directory; an absent file is an empty state. */
export function readRunState(runDir: string): RunState {
  const file = join(runDir, RUN_STATE_FILE);
  if (!existsSync(file)) return { version: 1, stages: {} };
  let json: unknown;
  try {
    json = JSON.parse(readUtf8Strict(file));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError({ file }, 'is not valid JSON', `delete it to start the run's bookkeeping afresh (every stage then runs again)`);
  }
  return parseWith(runStateSchema, json, { file }, 'delete it to start the bookkeeping afresh (every stage then runs again)');
}

export function writeRunState(runDir: string, state: RunState): void {
  writeJsonAtomic(join(runDir, RUN_STATE_FILE), state);
}
