/**
 * Helpers for Hugging Face model folders shared by every architecture (BERT family, Qwen2):
 * JSON files with clear errors, parameters named by their safetensors keys, strict loading,
 * and the torch.nn layers models are built from.
 */
export { readJsonFile, readModelConfig, readOptionalJson, requireModelDir, modelNameFromPath } from './config.js';
export { Param, ParamPath, disposeParams } from './params.js';
export { loadParams, openCheckpoint, type LoadParamsOptions, type LoadReport } from './load.js';
export { Linear, Embedding, LayerNorm } from './modules.js';
export { CONFIG_FILE, GENERATION_CONFIG_FILE, TOKENIZER_FILES, readJsonObject, writeHFJson, copyTokenizerFiles, listFolder, hasSafetensors, storedFloatDtype, type FolderFile } from './folder.js';
