/** The small student of the CPU benchmark, written as a Hugging Face folder. */
import { writeQwen25TokenizerFolder } from '../../src/models/tokenizer/index.js';
import { ToyLM } from '../../src/stages/train/testing/toy-lm.js';

/** Writes the model; returns a one-line description of its shape. */
export function writeBenchModel(dir: string, o: { hidden: number; layers: number }): string {
  const config = { vocab_size: 151936, hidden_size: o.hidden, num_hidden_layers: o.layers, num_attention_heads: 4, intermediate_size: 3 * o.hidden };
  const m = ToyLM.init(config, 0);
  m.save(dir);
  m.dispose();
  writeQwen25TokenizerFolder(dir);
  return `clinsum-toy decoder, hidden ${o.hidden}, ${o.layers} layers, 4 heads, MLP ${3 * o.hidden}, vocab 151936, float32`;
}
