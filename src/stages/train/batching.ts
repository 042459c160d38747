/**
 * Length-grouped batches under a token budget, and their collation into tensors.
 *
 * An epoch's plan (`planEpoch`) works on units — a report's examples together (its `sum` and
 * `ext` examples), so that a step that trains a report trains both its tasks, as the paper's
 * per-report objective does. The units are shuffled with clinsum's `Prng`, cut into groups of
 * `groupSize` units, each group sorted by its units' longest example (longest first, ties in
 * shuffled order), the groups concatenated and packed greedily — a unit joins the current batch
 * while `(examples + unit size) × longest length ≤ maxTokens` — and the batches shuffled. A unit
 * that cannot fit the budget whole is split into single examples. Every example is in exactly
 * one batch per epoch; no batch holds more than `maxTokens` padded tokens.
 *
 * Collation (`collate`) pads rows at the end and lists the supervised positions. **This is the
 * one place where targets are shifted**: position t of a row predicts `labels[t + 1]`, so
 * `logitsAt` holds `b·T + t` for every t with `labels[t + 1] ≠ −100` and `targets` holds that
 * label. The model returns logits only there; the loss never shifts again.
 */
import { tensor, type Device, type Tensor } from '../../engine/index.js';
import { IGNORE_INDEX, type FormattedExample, type Task } from '../../data/format.js';
import { ConfigError } from '../../util/errors.js';
import type { Prng } from '../../util/prng.js';

export interface PackOptions {
  /** Padded tokens per batch at most: batch size × longest example. */
  maxTokens: number;
  /** Units sorted together before packing; larger groups pad less but vary less between epochs. */
  groupSize: number;
}

/** Fails when one example alone exceeds the budget (no batch could hold it). */
export function checkBudget(lengths: readonly number[], maxTokens: number, setting: string): void {
  let longest = 0;
  for (const l of lengths) longest = Math.max(longest, l);
  if (longest > maxTokens) {
    throw new ConfigError(`${setting} is ${maxTokens} but the longest example has ${longest} tokens; raise ${setting} to at least ${longest} (or lower the token budgets)`);
  }
}

/**
 * Greedy packing of `units` (lists of example indices, already grouped by length) into batches
 * under `maxTokens` padded tokens.
 */
export function packBatches(units: readonly (readonly number[])[], lengths: readonly number[], maxTokens: number): number[][] {
  const batches: number[][] = [];
  let cur: number[] = [];
  let longest = 0;
  for (const u of units) {
    let l = 0;
    for (const i of u) l = Math.max(l, lengths[i]!);
    const m = Math.max(longest, l);
    if (cur.length > 0 && (cur.length + u.length) * m > maxTokens) {
      batches.push(cur);
      cur = [];
      longest = 0;
    }
    cur.push(...u);
    longest = Math.max(longest, l);
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}

/** The examples of each record together, in order of first appearance (the units of `planEpoch`). */
export function unitsByRecord(ids: readonly (string | undefined)[]): number[][] {
  const byId = new Map<string, number[]>();
  const units: number[][] = [];
  ids.forEach((id, i) => {
    if (id === undefined) {
      units.push([i]);
      return;
    }
    let u = byId.get(id);
    if (u === undefined) {
      u = [];
      byId.set(id, u);
      units.push(u);
    }
    u.push(i);
  });
  return units;
}

/** One epoch's micro-batches (lists of example indices), drawn from `prng` (which advances). */
export function planEpoch(lengths: readonly number[], units: readonly (readonly number[])[], o: PackOptions, prng: Prng): number[][] {
  checkBudget(lengths, o.maxTokens, 'batch.max_tokens');
  const fitting: number[][] = [];
  const unitMax = (u: readonly number[]): number => u.reduce((m, i) => Math.max(m, lengths[i]!), 0);
  for (const u of units) {
    if (u.length * unitMax(u) <= o.maxTokens) fitting.push([...u]);
    else for (const i of u) fitting.push([i]);
  }
  const order = prng.shuffle(fitting);
  const grouped: number[][] = [];
  for (let s = 0; s < order.length; s += o.groupSize) {
    const g = order.slice(s, s + o.groupSize);
    g.sort((a, b) => unitMax(b) - unitMax(a)); // stable: ties keep the shuffled order
    grouped.push(...g);
  }
  return prng.shuffle(packBatches(grouped, lengths, o.maxTokens));
}

/** Batches in length order with no shuffling (evaluation). */
export function planSorted(lengths: readonly number[], maxTokens: number, setting: string): number[][] {
  checkBudget(lengths, maxTokens, setting);
  const order = Array.from({ length: lengths.length }, (_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  return packBatches(order.map((i) => [i]), lengths, maxTokens);
}

/** Supervised tokens per task in a set of examples (`labelCount`: the N_sum / N_ext of a step). */
export interface TaskCounts {
  sum: number;
  ext: number;
}

export function countTokens(examples: readonly FormattedExample[]): TaskCounts {
  const c: TaskCounts = { sum: 0, ext: 0 };
  for (const e of examples) c[e.task] += e.labelCount;
  return c;
}

/** A collated micro-batch: tensors for the model and the loss, and its counts. */
export interface Collated {
  /** (B, T) int64, right-padded with `padId`. */
  inputIds: Tensor;
  /** (N) int64: `b·T + t` for each supervised next-token prediction. */
  logitsAt: Tensor;
  /** (N) int64: `labels[b][t + 1]`. */
  targets: Tensor;
  /** (N): the task of each target, for the per-task sums of the log (JS side, no device copy). */
  tasks: Uint8Array;
  counts: TaskCounts;
  /** Real (non-padding) input tokens. */
  inputTokens: number;
  /** B × T. */
  paddedTokens: number;
  shape: [number, number];
}

export const TASK_CODE: Readonly<Record<Task, number>> = Object.freeze({ sum: 0, ext: 1 });

/** Pads, shifts and uploads a micro-batch (see the file comment for the shift). */
export function collate(examples: readonly FormattedExample[], padId: number, device: Device): Collated {
  if (examples.length === 0) throw new RangeError('collate needs at least one example');
  const B = examples.length;
  let T = 0;
  let n = 0;
  for (const e of examples) {
    T = Math.max(T, e.inputIds.length);
    n += e.labelCount;
  }
  const ids = new BigInt64Array(B * T).fill(BigInt(padId));
  const at = new BigInt64Array(n);
  const targets = new BigInt64Array(n);
  const tasks = new Uint8Array(n);
  const counts: TaskCounts = { sum: 0, ext: 0 };
  let k = 0;
  let real = 0;
  examples.forEach((e, b) => {
    const L = e.inputIds.length;
    real += L;
    const code = TASK_CODE[e.task];
    for (let t = 0; t < L; t++) ids[b * T + t] = BigInt(e.inputIds[t]!);
    if (e.labels[0] !== IGNORE_INDEX) throw new RangeError(`example ${e.id ?? b}: the first token is labelled, but nothing predicts it`);
    for (let t = 0; t + 1 < L; t++) {
      const y = e.labels[t + 1]!;
      if (y === IGNORE_INDEX) continue;
      at[k] = BigInt(b * T + t);
      targets[k] = BigInt(y);
      tasks[k] = code;
      k++;
    }
    counts[e.task] += e.labelCount;
  });
  if (k !== n) throw new RangeError(`labelCount disagrees with the labels (${n} vs ${k})`);
  const opts = { dtype: 'int64' as const, device };
  return {
    inputIds: tensor(ids, { ...opts, shape: [B, T] }),
    logitsAt: tensor(at, { ...opts, shape: [n] }),
    targets: tensor(targets, { ...opts, shape: [n] }),
    tasks,
    counts,
    inputTokens: real,
    paddedTokens: B * T,
    shape: [B, T],
  };
}
