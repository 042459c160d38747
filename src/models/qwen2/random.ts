/** Random-weight Qwen2 models (tests, benchmarks, `init-tiny`); no tokenizer involved. */
import { RandomGenerator, type Device, type FloatDType } from '../../engine/index.js';
import type { Qwen2Config } from './config.js';
import { Qwen2ForCausalLM } from './model.js';

/** A model initialised by `initWeights` from a generator seeded with `seed`, in `dtype` on `device`. */
export function randomQwen2(config: Qwen2Config, seed: number, dtype: FloatDType = 'float32', device: Device = 'cpu'): Qwen2ForCausalLM {
  return new Qwen2ForCausalLM(config).initWeights(new RandomGenerator(seed), { dtype, device });
}
