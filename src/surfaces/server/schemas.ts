/**
 * Request bodies of the OpenAI-compatible routes, as zod schemas. Fields clinsum does not know are
 * ignored (as vLLM does); fields it knows but cannot honour (n > 1, logprobs, tools, penalties,
 * response formats other than text) are a 400 naming the field rather than being silently dropped.
 */
import { describeIssues, z } from '../../util/schema.js';
import { invalidParam } from './errors.js';

/** Parse `value` or throw a 400 whose `param` is the first failing field. */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const { field, text } = describeIssues(r.error);
  return failParam(field ?? null, field ? `${field}: ${text}` : text);
}

function failParam(param: string | null, message: string): never {
  throw invalidParam(param, message);
}

const unsupported = (what: string) => `${what} is not supported by clinsum serve`;

/** Sampling and stopping fields shared by /v1/chat/completions, /v1/completions and /v1/clinsum/generate. */
const generationFields = {
  model: z.string().optional(),
  max_tokens: z.int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  /** vLLM's extension: -1 or 0 turn it off. */
  top_k: z.int().min(-1).nullish(),
  /** vLLM's extension (transformers' semantics): > 1 penalises tokens already in the sequence; 1 = off. */
  repetition_penalty: z.number().gt(0).max(10).nullish(),
  seed: z.int().nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(16)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.int().nullish().refine((n) => n === null || n === undefined || n === 1, 'only n = 1 is supported (one choice per request)'),
  presence_penalty: z.number().nullish().refine((v) => !v, unsupported('presence_penalty other than 0')),
  frequency_penalty: z.number().nullish().refine((v) => !v, unsupported('frequency_penalty other than 0')),
  logit_bias: z.record(z.string(), z.number()).nullish().refine((v) => !v || Object.keys(v).length === 0, unsupported('logit_bias')),
  user: z.string().nullish(),
};

const textPart = z.object({ type: z.literal('text'), text: z.string() });

const chatMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart)]).nullish(),
  name: z.string().optional(),
});

export const chatCompletionSchema = z
  .object({
    ...generationFields,
    messages: z.array(chatMessage).min(1),
    max_completion_tokens: z.int().min(1).nullish(),
    logprobs: z.boolean().nullish().refine((v) => !v, unsupported('logprobs')),
    top_logprobs: z.int().nullish().refine((v) => v === null || v === undefined, unsupported('top_logprobs')),
    tools: z.array(z.unknown()).nullish().refine((v) => !v || v.length === 0, unsupported('tools')),
    tool_choice: z.unknown().optional().refine((v) => v === undefined || v === null || v === 'none' || v === 'auto', unsupported('tool_choice')),
    response_format: z.object({ type: z.string() }).nullish().refine((v) => !v || v.type === 'text', unsupported('response_format other than text')),
  })
  .superRefine((b, ctx) => {
    if (b.max_tokens != null && b.max_completion_tokens != null && b.max_tokens !== b.max_completion_tokens) {
      ctx.addIssue({ code: 'custom', path: ['max_completion_tokens'], message: 'max_tokens and max_completion_tokens differ; give one' });
    }
    b.messages.forEach((m, i) => {
      if ((m.content === null || m.content === undefined) && m.role !== 'assistant') {
        ctx.addIssue({ code: 'custom', path: ['messages', i, 'content'], message: 'content is required' });
      }
    });
  });
export type ChatCompletionBody = z.output<typeof chatCompletionSchema>;

const tokenIds = z.array(z.int().min(0)).min(1);

export const completionSchema = z.object({
  ...generationFields,
  /** One prompt: a string or token ids, possibly inside a one-element array; read as `string | number[]`. */
  prompt: z.union([
    z.string(),
    z.array(z.string()).length(1, 'give one prompt (one string): batches of prompts are not supported').transform((a) => a[0]!),
    tokenIds,
    z.array(tokenIds).length(1, 'give one prompt (one token array): batches of prompts are not supported').transform((a) => a[0]!),
  ]),
  echo: z.boolean().nullish().refine((v) => !v, unsupported('echo')),
  best_of: z.int().nullish().refine((v) => v === null || v === undefined || v === 1, unsupported('best_of other than 1')),
  suffix: z.string().nullish().refine((v) => !v, unsupported('suffix')),
  logprobs: z.int().nullish().refine((v) => v === null || v === undefined, unsupported('logprobs')),
});
export type CompletionBody = z.output<typeof completionSchema>;

export const clinsumGenerateSchema = z.object({
  ...generationFields,
  /** The case report. */
  text: z.string().refine((s) => s.trim().length > 0, 'the report is empty'),
  task: z.enum(['summarization', 'extraction']).default('summarization'),
  lang: z.enum(['auto', 'en', 'es', 'fr', 'pt']).default('auto'),
});
export type ClinsumGenerateBody = z.output<typeof clinsumGenerateSchema>;

export const detectSchema = z.object({ text: z.string() });

/** The stop strings of a body, as a list. */
export function stopList(stop: string | readonly string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return typeof stop === 'string' ? [stop] : [...stop];
}
