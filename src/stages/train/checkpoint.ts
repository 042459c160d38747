/**
 * Checkpoints of a training run, under `OUT/checkpoints/step-NNNNNN/`:
 * - the Hugging Face model folder (`config.json`, `*.safetensors`, the tokenizer files copied
 *   from the source model), loadable by transformers and by clinsum;
 * - `optimizer.safetensors` (`AdamW.save`: moments, step counts, hyper-parameters);
 * - `trainer-state.json` (`TrainerState`: step, data position, random states, best score, plan).
 *
 * A checkpoint is written into `checkpoints/.step-NNNNNN.tmp-<pid>/`, every file and the folder
 * fsynced, then renamed:
 * a crash leaves either the whole checkpoint or none (temporary folders are removed at the
 * next start). `best/` is replaced the same way (the old one is renamed aside first and put
 * back if the process dies between the two renames).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AdamW } from '../../engine/index.js';
import { InputError } from '../../util/errors.js';
import { fsyncDir, readUtf8Strict, writeJsonAtomic } from '../../util/fs.js';
import { parseWith, z } from '../../util/schema.js';
import type { TrainableLM } from './lm.js';

export const STATE_FILE = 'trainer-state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const BEST_INFO_FILE = 'clinsum-best.json';

/** Tokenizer and generation files carried from the source model into every saved folder. */
const CARRIED_FILES = ['tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', 'special_tokens_map.json', 'vocab.json', 'merges.txt', 'generation_config.json', 'added_tokens.json'];

const rngWords = z.array(z.number().int().min(0).max(0xffffffff)).length(4);

export const trainerStateSchema = z.strictObject({
  format: z.literal('clinsum.trainer-state.v1'),
  /** Optimizer steps done. */
  step: z.number().int().nonnegative(),
  total_steps: z.number().int().positive(),
  /** Epoch (0-based) of the next micro-batch, and its index in that epoch's batch order. */
  epoch: z.number().int().nonnegative(),
  batch: z.number().int().nonnegative(),
  /** Supervised tokens trained on so far. */
  tokens: z.number().int().nonnegative(),
  rng: z.strictObject({
    /** The data Prng's state at the start of `epoch` (the plan of that epoch is drawn from it). */
    data: rngWords,
    /** libtorch's global generators (`getRngState`), base64 (dropout masks). */
    torch: z.record(z.string(), z.string()),
  }),
  best: z.strictObject({ step: z.number().int().nonnegative(), metric: z.string(), score: z.number() }).nullable(),
  /**
   * What the evaluation scores depend on (`best` is comparable only under the same basis).
   * Absent in checkpoints of clinsum before 2026-11-27.
   */
  eval_basis: z
    .strictObject({
      metric: z.string(),
      valid: z.string(),
      max_new_tokens: z.number().int().positive(),
      max_examples: z.number().int().positive().nullable(),
      stemmer: z.boolean(),
    })
    .optional(),
  plan_hash: z.string(),
  plan: z.record(z.string(), z.unknown()),
  data: z.strictObject({ train: z.string(), keyinfo: z.string().nullable(), examples: z.number().int().nonnegative() }),
  /** Why this checkpoint was written. */
  reason: z.enum(['eval', 'interval', 'interrupt', 'end']),
  time: z.string(),
  /** Training seconds so far (evaluation excluded). */
  train_seconds: z.number().nonnegative(),
  /**
   * Byte size of every other file of the checkpoint folder, recorded as it was written; a resume
   * checks them before loading. Absent in checkpoints of clinsum before 2026-11-28.
   */
  files: z.record(z.string(), z.number().int().nonnegative()).optional(),
});

export type TrainerState = z.output<typeof trainerStateSchema>;

export function stepDirName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

export interface CheckpointRef {
  step: number;
  dir: string;
}

/** Complete checkpoints (with a trainer state) under `checkpointsDir`, by step ascending. */
export function listCheckpoints(checkpointsDir: string): CheckpointRef[] {
  if (!existsSync(checkpointsDir)) return [];
  const out: CheckpointRef[] = [];
  for (const name of readdirSync(checkpointsDir)) {
    const m = /^step-(\d{6,})$/.exec(name);
    if (m === null) continue;
    const dir = join(checkpointsDir, name);
    if (existsSync(join(dir, STATE_FILE))) out.push({ step: Number(m[1]), dir });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** Removes temporary folders a crash left behind, and restores a step folder or `best/` that was mid-swap. */
export function cleanUpInterrupted(out: string): void {
  const ckpts = join(out, 'checkpoints');
  if (existsSync(ckpts)) {
    for (const name of readdirSync(ckpts)) {
      if (!name.startsWith('.step-')) continue;
      // A step folder renamed aside to be replaced (`writeCheckpoint`), whose replacement never
      // arrived: it is complete, put it back. Anything else is a half-written temporary folder.
      const aside = /^\.(step-\d{6,})\.old-\d+$/.exec(name);
      if (aside !== null && !existsSync(join(ckpts, aside[1]!))) renameSync(join(ckpts, name), join(ckpts, aside[1]!));
      else rmSync(join(ckpts, name), { recursive: true, force: true });
    }
  }
  const best = join(out, 'best');
  const aside = join(out, '.best.old');
  if (existsSync(aside)) {
    if (existsSync(best)) rmSync(aside, { recursive: true, force: true });
    else renameSync(aside, best);
  }
  for (const name of existsSync(out) ? readdirSync(out) : []) if (name.startsWith('.best.tmp-')) rmSync(join(out, name), { recursive: true, force: true });
}

export function readTrainerState(dir: string): TrainerState {
  const file = join(dir, STATE_FILE);
  let json: unknown;
  try {
    json = JSON.parse(readUtf8Strict(file));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError({ file }, 'is not valid JSON', 'the checkpoint is damaged');
  }
  return parseWith(trainerStateSchema, json, { file }, 'the checkpoint is damaged, or was not written by this version of clinsum train');
}

/** Byte sizes of the files of a checkpoint folder (the trainer state excepted), by name. */
function fileSizes(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of readdirSync(dir).sort()) if (name !== STATE_FILE) out[name] = statSync(join(dir, name)).size;
  return out;
}

/**
 * What is wrong with the files of a checkpoint against the sizes its trainer state recorded
 * (a missing file, a truncated one), or undefined when they all match or none were recorded.
 */
export function checkCheckpointFiles(dir: string, state: TrainerState): string | undefined {
  for (const [name, size] of Object.entries(state.files ?? {})) {
    let actual: number;
    try {
      actual = statSync(join(dir, name)).size;
    } catch {
      return `${name} is missing`;
    }
    if (actual !== size) return `${name} has ${actual} bytes, ${size} were written`;
  }
  return undefined;
}

/**
 * The one error for a newest checkpoint that cannot be loaded: it names the folder, what is
 * wrong, and the checkpoint a resume falls back to once this one is deleted.
 */
export function damagedCheckpointError(ckpt: CheckpointRef, earlier: CheckpointRef | undefined, what: string): InputError {
  const name = basename(ckpt.dir);
  const fix = earlier === undefined ? `delete ${name} to start over from step 0` : `delete ${name} to resume from ${basename(earlier.dir)}`;
  return new InputError({ file: ckpt.dir }, `the checkpoint is damaged: ${what.replace(/\s+/g, ' ').trim()}`, fix);
}

/** Files carried into every saved folder, read once at the start (the source may be pruned or moved later). */
export type CarriedFiles = ReadonlyMap<string, Uint8Array>;

/** Reads the tokenizer and generation files of a model folder (those it has). */
export function readCarriedFiles(dir: string): CarriedFiles {
  const out = new Map<string, Uint8Array>();
  for (const f of CARRIED_FILES) if (existsSync(join(dir, f))) out.set(f, readFileSync(join(dir, f)));
  return out;
}

/**
 * Flushes every file of a folder, then the folder itself, to disk: some files of a saved folder
 * (the copied tokenizer files, the carried ones) are written without an fsync, and a rename must
 * not publish a folder whose files a power loss could still leave empty.
 */
function syncFolder(dir: string): void {
  for (const name of readdirSync(dir)) {
    const fd = openSync(join(dir, name), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  fsyncDir(dir);
}

/** Writes the carried files the model's own save did not write. */
function carryFiles(files: CarriedFiles, to: string): void {
  for (const [f, bytes] of files) if (!existsSync(join(to, f))) writeFileSync(join(to, f), bytes);
}

/** Writes `checkpoints/step-NNNNNN/` atomically and returns its path. */
export function writeCheckpoint(out: string, model: TrainableLM, optimizer: AdamW, state: TrainerState, carried: CarriedFiles): string {
  const ckpts = join(out, 'checkpoints');
  const final = join(ckpts, stepDirName(state.step));
  const tmp = join(ckpts, `.${stepDirName(state.step)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  model.save(tmp);
  carryFiles(carried, tmp);
  optimizer.save(join(tmp, OPTIMIZER_FILE));
  writeJsonAtomic(join(tmp, STATE_FILE), { ...state, files: fileSizes(tmp) });
  syncFolder(tmp);
  if (existsSync(final)) {
    const old = join(ckpts, `.${stepDirName(state.step)}.old-${process.pid}`);
    renameSync(final, old);
    renameSync(tmp, final);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, final);
  }
  fsyncDir(ckpts);
  return final;
}

/** Deletes all but the newest `keepLast` checkpoints. */
export function pruneCheckpoints(out: string, keepLast: number): void {
  const all = listCheckpoints(join(out, 'checkpoints'));
  for (const c of all.slice(0, Math.max(0, all.length - keepLast))) rmSync(c.dir, { recursive: true, force: true });
}

/** What `best/clinsum-best.json` records. */
export interface BestInfo {
  step: number;
  metric: string;
  score: number;
  eval: Record<string, unknown>;
}

/** Replaces `OUT/best/` with the model as it is now (a Hugging Face folder plus `clinsum-best.json`). */
export function writeBest(out: string, model: TrainableLM, info: BestInfo, carried: CarriedFiles): string {
  const best = join(out, 'best');
  const tmp = join(out, `.best.tmp-${process.pid}`);
  const aside = join(out, '.best.old');
  rmSync(tmp, { recursive: true, force: true });
  model.save(tmp);
  carryFiles(carried, tmp);
  writeJsonAtomic(join(tmp, BEST_INFO_FILE), info);
  syncFolder(tmp);
  if (existsSync(best)) {
    rmSync(aside, { recursive: true, force: true });
    renameSync(best, aside);
  }
  renameSync(tmp, best);
  rmSync(aside, { recursive: true, force: true });
  fsyncDir(out);
  return best;
}
