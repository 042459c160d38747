/**
 * What a run would do, without sending anything: how many requests to which endpoint and model,
 * how many prompt tokens (counted with the teacher's tokenizer when given, else estimated), and
 * what it would cost. Never contains texts.
 */
import type { ChatMessage, JsonValue } from './client.js';
import { codePoints, costUsd, type Prices } from './stats.js';

/**
 * Estimate without a tokenizer: characters per token, and chat-template tokens per message and
 * per conversation (Qwen2.5's ChatML: `<|im_start|>role\n ... <|im_end|>\n` around each message,
 * `<|im_start|>assistant\n` after them). Measured with the real Qwen2.5 tokenizer on the English
 * MultiClinSum reports (see docs/teacher.md); texts in other languages or other tokenizers differ.
 */
export const ESTIMATE = Object.freeze({ charsPerToken: 4.3, tokensPerMessage: 5, tokensPerConversation: 3 });

export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  let n = ESTIMATE.tokensPerConversation;
  for (const m of messages) n += ESTIMATE.tokensPerMessage + Math.ceil(codePoints(m.content) / ESTIMATE.charsPerToken);
  return n;
}

export interface PreflightReport {
  /** `POST` target, e.g. `http://gpu7:8000/v1/chat/completions`. */
  endpoint: string;
  host: string;
  /** False when report texts would leave this machine (see `endpointIsLocal`). */
  local: boolean;
  model: string;
  params: Record<string, JsonValue>;
  concurrency: number;
  reports: number;
  /** Distinct requests (identical reports share one). */
  requests: number;
  alreadyAnswered: number;
  /** Failures recorded earlier and skipped (without --retry-failed). */
  failedSkipped: number;
  /** Requests this run would send (before retries). */
  toSend: number;
  promptTokens: { total: number; max: number; method: 'tokenizer' | 'estimate' };
  /** `max_tokens × toSend`, when max_tokens is set. */
  completionTokensMax: number | null;
  /** USD, from the prices given; null without them. */
  cost: { prompt: number; completionMax: number | null } | null;
  store: string;
  outDir: string;
}

export function buildPreflight(base: Omit<PreflightReport, 'promptTokens' | 'completionTokensMax' | 'cost'>, promptTokens: readonly number[], method: 'tokenizer' | 'estimate', maxTokens: number | undefined, prices: Prices | undefined): PreflightReport {
  let total = 0;
  let max = 0;
  for (const t of promptTokens) {
    total += t;
    if (t > max) max = t;
  }
  const completionTokensMax = maxTokens !== undefined ? maxTokens * base.toSend : null;
  return {
    ...base,
    promptTokens: { total, max, method },
    completionTokensMax,
    cost: prices ? { prompt: costUsd(total, 0, prices), completionMax: completionTokensMax === null ? null : costUsd(0, completionTokensMax, prices) } : null,
  };
}

export function formatPreflight(p: PreflightReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [
    `dry run: nothing sent`,
    `  endpoint:        POST ${p.endpoint}${p.local ? ' (this machine)' : ' (REMOTE: report texts would leave this machine)'}`,
    `  model:           ${p.model}`,
    `  parameters:      ${Object.keys(p.params).length ? JSON.stringify(p.params) : '(server defaults)'}`,
    `  reports:         ${n(p.reports)} (${n(p.requests)} distinct requests)`,
    `  already answered ${n(p.alreadyAnswered)}, failed earlier and skipped ${n(p.failedSkipped)}`,
    `  would send:      ${n(p.toSend)} requests at concurrency ${p.concurrency} (plus retries)`,
    `  prompt tokens:   ${n(p.promptTokens.total)} (largest ${n(p.promptTokens.max)}; ${p.promptTokens.method === 'tokenizer' ? 'counted with the tokenizer' : `estimated at ${ESTIMATE.charsPerToken} characters per token; pass --tokenizer DIR to count`})`,
    `  completion:      ${p.completionTokensMax === null ? 'no --max-tokens: unbounded' : `at most ${n(p.completionTokensMax)} tokens`}`,
  ];
  if (p.cost) {
    const c = p.cost;
    lines.push(`  cost (USD):      prompts ${c.prompt.toFixed(2)}${c.completionMax === null ? ' + completions (unbounded without --max-tokens)' : ` + completions at most ${c.completionMax.toFixed(2)} = at most ${(c.prompt + c.completionMax).toFixed(2)}`}`);
  } else {
    lines.push(`  cost:            pass --price-in and --price-out (USD per million tokens) to estimate`);
  }
  lines.push(`  store:           ${p.store}`, `  output:          ${p.outDir}`);
  return lines.join('\n');
}
