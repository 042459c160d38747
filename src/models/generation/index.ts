/** Generation (layer 2): KV cache, sampling, batched generation, generation_config.json. */
export { GenerationError, type GenerationErrorKind } from './errors.js';
export { KVCache, type KVCacheShape, type StepContext } from './kv-cache.js';
export { GREEDY, SequenceSampler, checkSampling, pickTokens, type SamplingParams } from './sampling.js';
export {
  generate,
  prefillRows,
  type CausalLM,
  type GenerationRequest,
  type GenerationOutput,
  type GenerateOptions,
  type FinishReason,
  type TokenCallback,
  type PrefillMode,
} from './generate.js';
export { SlotDecoder, generatorSeed, type SlotDecoderOptions, type SlotPrefill, type SlotDecode, type SlotSampling } from './slots.js';
export { parseGenerationConfig, defaultGenerationConfig, QWEN25_INSTRUCT_GENERATION_CONFIG, type GenerationConfig } from './config.js';
