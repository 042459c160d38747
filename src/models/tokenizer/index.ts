/** Tokenizers and chat templates (layer 2): the public API. */
export { Tokenizer, loadTokenizer } from './tokenizer.js';
export type { EncodeOptions, DecodeOptions, TokenizerJson, TokenizerConfig } from './tokenizer.js';
export { ChatTemplate } from './chat.js';
export type { ChatMessage, ChatRole, ChatTemplateOptions } from './chat.js';
export {
  QWEN25_CHAT_TEMPLATE,
  QWEN25_DEFAULT_SYSTEM,
  QWEN25_LAST_ADDED_ID,
  qwen25Tokenizer,
  qwen25TokenizerFiles,
  writeQwen25TokenizerFolder,
} from './qwen25.js';
