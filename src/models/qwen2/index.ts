/** Qwen2 causal LM (layer 2): config, model, Hugging Face folders, tiny random models. */
export {
  QWEN2_ARCHITECTURE,
  QWEN2_MODEL_TYPE,
  SUPPORTED_CAUSAL_LMS,
  QWEN25_05B_SHAPE,
  TRANSFORMERS_LAYOUT_VERSION,
  qwen2Config,
  qwen2ConfigFromHF,
  qwen2ConfigToHF,
  withConfig,
  type Qwen2Config,
  type Qwen2ConfigInput,
  type HFConfigJson,
} from './config.js';
export {
  Qwen2ForCausalLM,
  Qwen2Model,
  Qwen2DecoderLayer,
  Qwen2Attention,
  Qwen2MLP,
  Qwen2RMSNorm,
  type CausalLMInput,
  type CausalLMOutput,
  type LayerContext,
  type LossAndBackwardOptions,
} from './model.js';
export { ropeInvFreq, ropeCosSin, applyRope } from './rope.js';
export { loadQwen2, saveQwen2, readQwen2Config, readGenerationConfig, LM_HEAD, type LoadedQwen2, type LoadQwen2Options, type SaveQwen2Options } from './folder.js';
export { initTinyQwen2, qwen2ParameterCount, tinyQwen2Config, TINY_DEFAULTS, TINY_LIMITS, type TinyQwen2Options } from './init.js';
export { randomQwen2 } from './random.js';
export { qwen2Info, formatBytes, formatCount, type Qwen2Info } from './info.js';
export { writeQwen2Gguf, ggufTensorName, ggufTokenizerMetadata, type Qwen2GgufOptions } from './gguf.js';
