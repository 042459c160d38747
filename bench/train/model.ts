/** The small student of the CPU benchmark: a random Qwen2 (tied embeddings, as Qwen2.5-0.5B) with the real tokenizer. */
import { initTinyQwen2 } from '../../src/models/qwen2/index.js';

/** Writes the model; returns a one-line description of its shape. */
export function writeBenchModel(dir: string, o: { hidden: number; layers: number }): string {
  const intermediate = Math.round((o.hidden * 16) / 3);
  initTinyQwen2(dir, { hidden: o.hidden, layers: o.layers, heads: Math.max(2, o.hidden / 64), kvHeads: Math.max(1, o.hidden / 128), intermediate, seed: 0 });
  return `Qwen2, hidden ${o.hidden}, ${o.layers} layers, ${Math.max(2, o.hidden / 64)} heads (${Math.max(1, o.hidden / 128)} kv), MLP ${intermediate}, vocab 151936 (tied), float32`;
}
