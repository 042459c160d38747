/** The small student of the CPU benchmark: a random Qwen2 (tied embeddings, as Qwen2.5-0.5B) with the real tokenizer. */
import { initTinyQwen2 } from '../../src/models/qwen2/index.js';

export interface Shape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  vocab: number;
}

export const QWEN25_05B: Shape = { hidden: 896, layers: 24, heads: 14, kvHeads: 2, intermediate: 4864, vocab: 151936 };

export function benchShape(hidden: number, layers: number): Shape {
  return { hidden, layers, heads: Math.max(2, hidden / 64), kvHeads: Math.max(1, hidden / 128), intermediate: Math.round((hidden * 16) / 3), vocab: 151936 };
}

export function describe(s: Shape): string {
  return `Qwen2, hidden ${s.hidden}, ${s.layers} layers, ${s.heads} heads (${s.kvHeads} kv), MLP ${s.intermediate}, vocab ${s.vocab} (tied), float32`;
}

/** Writes the model. */
export function writeBenchModel(dir: string, s: Shape): void {
  initTinyQwen2(dir, { hidden: s.hidden, layers: s.layers, heads: s.heads, kvHeads: s.kvHeads, intermediate: s.intermediate, seed: 0 });
}

/** Non-embedding parameters (the decoder layers and the final norm). */
export function bodyParams(s: Shape): number {
  const hd = s.hidden / s.heads;
  const q = s.hidden * s.heads * hd + s.heads * hd;
  const kv = 2 * (s.hidden * s.kvHeads * hd + s.kvHeads * hd);
  const o = s.heads * hd * s.hidden;
  return s.layers * (q + kv + o + 3 * s.hidden * s.intermediate + 2 * s.hidden) + s.hidden;
}

/**
 * Counted training work (FLOPs, forward + backward, 6 per multiply-add) of one epoch over
 * `examples` in `batches`: the body and causal attention over every padded row, the LM head at
 * `headRows(example)` positions.
 */
export function epochFlops(s: Shape, batches: readonly { rows: number; length: number }[], headRows: number): number {
  let f = 6 * s.hidden * s.vocab * headRows;
  for (const b of batches) f += b.rows * (6 * bodyParams(s) * b.length + 6 * s.layers * s.hidden * b.length * b.length);
  return f;
}
