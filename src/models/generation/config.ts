/**
 * generation_config.json: the model's own generation defaults (end-of-sequence ids, sampling
 * parameters), read with transformers' `GenerationConfig` defaults for what the file leaves out.
 */
import { InputError } from '../../util/errors.js';
import { parseWith, z } from '../../util/schema.js';

export interface GenerationConfig {
  /** Every id that ends a sequence (Qwen2.5-Instruct: 151645 `<|im_end|>`, 151643 `<|endoftext|>`). */
  eosTokenIds: readonly number[];
  bosTokenId: number | undefined;
  padTokenId: number | undefined;
  /** transformers' default is greedy (false); Qwen2.5-Instruct's file says true. */
  doSample: boolean;
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
  /** 1 = off; > 1 penalises tokens already in the sequence (prompt included), as transformers does. */
  repetitionPenalty: number;
  maxNewTokens: number | undefined;
}

const ids = z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).nullish();

const schema = z
  .object({
    eos_token_id: ids,
    bos_token_id: z.number().int().nonnegative().nullish(),
    pad_token_id: z.number().int().nonnegative().nullish(),
    do_sample: z.boolean().optional(),
    temperature: z.number().nonnegative().nullish(),
    top_k: z.number().int().nonnegative().nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    repetition_penalty: z.number().positive().nullish(),
    max_new_tokens: z.number().int().positive().nullish(),
  })
  .passthrough();

const toList = (v: number | number[] | null | undefined): number[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/**
 * Parses a generation_config.json object. `fallbackEos` (config.json's eos_token_id, the
 * tokenizer's eos) is used when the file names no end-of-sequence id.
 */
export function parseGenerationConfig(json: unknown, file: string, fallbackEos: readonly number[] = []): GenerationConfig {
  const g = parseWith(schema, json, { file }, 'a generation_config.json as transformers writes it');
  const eos = toList(g.eos_token_id);
  const eosTokenIds = eos.length > 0 ? eos : [...fallbackEos];
  if (eosTokenIds.length === 0) throw new InputError({ file, field: 'eos_token_id' }, 'names no end-of-sequence token (nor does config.json)', 'set eos_token_id');
  return {
    eosTokenIds: [...new Set(eosTokenIds)],
    bosTokenId: g.bos_token_id ?? undefined,
    padTokenId: g.pad_token_id ?? undefined,
    doSample: g.do_sample ?? false,
    temperature: g.temperature ?? 1,
    topK: g.top_k ?? 50,
    topP: g.top_p ?? 1,
    repetitionPenalty: g.repetition_penalty ?? 1,
    maxNewTokens: g.max_new_tokens ?? undefined,
  };
}

/** transformers' defaults, for a folder without generation_config.json. */
export function defaultGenerationConfig(eosTokenIds: readonly number[]): GenerationConfig {
  return {
    eosTokenIds: [...new Set(eosTokenIds)],
    bosTokenId: undefined,
    padTokenId: undefined,
    doSample: false,
    temperature: 1,
    topK: 50,
    topP: 1,
    repetitionPenalty: 1,
    maxNewTokens: undefined,
  };
}

/** Qwen2.5-Instruct's generation_config.json, as its Hub repository holds it. */
export const QWEN25_INSTRUCT_GENERATION_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  bos_token_id: 151643,
  do_sample: true,
  eos_token_id: [151645, 151643],
  pad_token_id: 151643,
  repetition_penalty: 1.1,
  temperature: 0.7,
  top_k: 20,
  top_p: 0.8,
  transformers_version: '4.37.0',
});
