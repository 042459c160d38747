/** BERT-family encoders (BERT, DistilBERT, RoBERTa, XLM-RoBERTa) and their tokenizers: the public API. */
export { fromHF, SUPPORTED_MODEL_TYPES, ACTIVATIONS, BASE_PREFIX } from './config.js';
export type { BertConfig, ModelType, Family, Activation } from './config.js';
export { BertModel, DistilBertModel, createEncoder, fullParameterNames, sinusoidalPositions } from './model.js';
export type { Encoder } from './model.js';
export { loadEncoder, readBertConfig } from './load.js';
export type { LoadEncoderOptions } from './load.js';
export { EncoderTokenizer, loadEncoderTokenizer } from './tokenizer.js';
export type { EncodedText, TokenizerModelKind } from './tokenizer.js';
export { pythonStrip } from './text.js';
export { initEncoderWeights, writeRandomEncoder, wordPieceTokenizerJson, byteLevelTokenizerJson, TINY_WORDPIECE_VOCAB } from './testing.js';
export type { RandomEncoderOptions } from './testing.js';
