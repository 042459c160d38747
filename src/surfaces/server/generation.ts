/**
 * One generation request from prepared token ids to an OpenAI response: a JSON body, or an SSE
 * stream of chunks (`data: {…}` lines, then `data: [DONE]`). Shared by /v1/chat/completions,
 * /v1/completions and /v1/clinsum/generate, which differ only in how they build the prompt and in
 * the shape of a choice (`message`/`delta` for chat, `text` for completions).
 *
 * Client disconnects abort the generation (the request's AbortSignal, and the stream's cancel).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { UnofficialStatusCode } from 'hono/utils/http-status';
import type { FinishReason, GenerationRequest, GenerationResult } from '../../stages/generate/backend.js';
import { errorMessage } from '../../util/errors.js';
import type { AppEnv, ServerContext, StreamOutcome } from './context.js';
import { ApiError, invalidParam, toApiError } from './errors.js';
import { stopList } from './schemas.js';
import { SseWriter } from './sse.js';
import { TextStream } from './text-stream.js';

/** The fields every generation route accepts (see schemas.ts). */
export interface GenerationFields {
  model?: string | undefined;
  max_tokens?: number | null | undefined;
  temperature?: number | null | undefined;
  top_p?: number | null | undefined;
  top_k?: number | null | undefined;
  repetition_penalty?: number | null | undefined;
  seed?: number | null | undefined;
  stop?: string | string[] | null | undefined;
  stream?: boolean | null | undefined;
  stream_options?: { include_usage?: boolean | null | undefined } | null | undefined;
}

export interface PreparedGeneration {
  promptIds: number[];
  maxNewTokens: number;
  sampling: GenerationRequest['sampling'];
  stops: string[];
  stream: boolean;
  includeUsage: boolean;
}

/** Response shape: chat (`chat.completion`) or text (`text_completion`). */
export type ResponseShape = 'chat' | 'text';

/** The model a request names must be the one served (404 otherwise, as OpenAI and vLLM answer). */
export function checkModel(ctx: ServerContext, model: string | undefined): void {
  if (model !== undefined && model !== ctx.modelName) {
    throw new ApiError(404, `the model \`${model.slice(0, 200)}\` does not exist; this server serves \`${ctx.modelName}\``, {
      param: 'model',
      code: 'model_not_found',
    });
  }
}

/**
 * Validate limits and resolve defaults. `promptParam` names the field that holds the prompt
 * (for the context error); `maxTokens` is the request's max_tokens (or max_completion_tokens).
 */
export function prepareGeneration(
  ctx: ServerContext,
  body: GenerationFields,
  promptIds: number[],
  promptParam: string,
  maxTokens: number | null | undefined,
): PreparedGeneration {
  if (ctx.draining) throw new ApiError(503, 'the server is shutting down', { code: 'shutting_down' });
  const limit = ctx.backend.maxContextTokens;
  const p = promptIds.length;
  if (p === 0) throw invalidParam(promptParam, 'the prompt is empty');
  if (p >= limit) {
    throw invalidParam(promptParam, `the prompt has ${p} tokens, and this model's context is ${limit} tokens; shorten the input (at most ${limit - 1} tokens)`, 'context_length_exceeded');
  }
  if (maxTokens !== null && maxTokens !== undefined && p + maxTokens > limit) {
    throw invalidParam(
      'max_tokens',
      `the prompt (${p} tokens) plus max_tokens (${maxTokens}) is ${p + maxTokens} tokens, over this model's context of ${limit} tokens; ask for at most ${limit - p} tokens or shorten the input`,
      'context_length_exceeded',
    );
  }
  const d = ctx.backend.defaultSampling ?? {};
  const topK = body.top_k ?? d.topK ?? 0;
  return {
    promptIds,
    maxNewTokens: maxTokens ?? limit - p,
    sampling: {
      temperature: body.temperature ?? d.temperature ?? 1,
      topP: body.top_p ?? d.topP ?? 1,
      topK: topK < 0 ? 0 : topK,
      repetitionPenalty: body.repetition_penalty ?? d.repetitionPenalty ?? 1,
      ...(body.seed !== null && body.seed !== undefined ? { seed: body.seed } : {}),
    },
    stops: stopList(body.stop),
    stream: body.stream ?? false,
    includeUsage: body.stream_options?.include_usage ?? false,
  };
}

function finishReasonOf(r: FinishReason, text: TextStream): 'stop' | 'length' {
  if (text.stopped) return 'stop';
  return r === 'length' ? 'length' : 'stop';
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

function usageOf(prepared: PreparedGeneration, result: GenerationResult): Usage {
  const completion = result.completionIds.length;
  return { prompt_tokens: prepared.promptIds.length, completion_tokens: completion, total_tokens: prepared.promptIds.length + completion };
}

/**
 * Run a prepared generation and answer. `extra` fields are added to the response object (and to
 * the first chunk of a stream), e.g. `clinsum: {lang, prompt}` of /v1/clinsum/generate.
 */
export async function respond(
  c: Context<AppEnv>,
  ctx: ServerContext,
  prepared: PreparedGeneration,
  shape: ResponseShape,
  extra: Record<string, unknown> = {},
): Promise<Response> {
  const id = `${shape === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replaceAll('-', '')}`;
  const created = Math.floor(Date.now() / 1000);
  const object = shape === 'chat' ? (prepared.stream ? 'chat.completion.chunk' : 'chat.completion') : 'text_completion';
  const head = { id, object, created, model: ctx.modelName };
  const text = new TextStream(ctx.backend.tokenizer, prepared.stops);
  const clientGone = new AbortController();
  const signal = AbortSignal.any([c.req.raw.signal, clientGone.signal]);
  const request: GenerationRequest = { promptIds: prepared.promptIds, maxNewTokens: prepared.maxNewTokens, sampling: prepared.sampling, signal };
  const counts = { prompt: prepared.promptIds.length, completion: 0 };
  c.set('tokens', counts);

  if (!prepared.stream) {
    // submit throws at once when the request is refused: onError answers with the status.
    const result = await ctx.backend.submit(request, (tokenId) => {
      text.push(tokenId);
      return text.stopped ? 'stop' : undefined;
    });
    counts.completion = result.completionIds.length;
    if (result.finishReason === 'abort') {
      if (signal.aborted) return c.body(null, 499 as UnofficialStatusCode); // nobody is listening any more
      throw new ApiError(503, 'the server shut down before the answer was complete', { code: 'shutting_down' });
    }
    text.finish();
    const content = text.full;
    const finish = finishReasonOf(result.finishReason, text);
    const choice =
      shape === 'chat'
        ? { index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: finish }
        : { index: 0, text: content, logprobs: null, finish_reason: finish };
    return c.json({ ...head, ...extra, choices: [choice], usage: usageOf(prepared, result) });
  }

  const sse = new SseWriter(() => clientGone.abort());
  const usageField = prepared.includeUsage ? { usage: null } : {};
  const chunk = (delta: string, finish: 'stop' | 'length' | null, first = false): Record<string, unknown> => ({
    ...head,
    ...(first ? extra : {}),
    choices: [
      shape === 'chat'
        ? { index: 0, delta: first ? { role: 'assistant', content: delta } : finish === null ? { content: delta } : {}, logprobs: null, finish_reason: finish }
        : { index: 0, text: delta, logprobs: null, finish_reason: finish },
    ],
    ...usageField,
  });
  sse.send(chunk('', null, true));
  // submit throws at once when the request is refused (an HTTP error; this stream is dropped).
  // Accepted: from here on, problems travel inside the stream.
  const run = ctx.backend.submit(request, (tokenId) => {
    const delta = text.push(tokenId);
    if (delta !== '') sse.send(chunk(delta, null));
    return text.stopped ? 'stop' : undefined;
  });
  const done = run.then(
    (result): StreamOutcome => {
      counts.completion = result.completionIds.length;
      let outcome: StreamOutcome = 'completed';
      if (result.finishReason === 'abort') {
        if (signal.aborted) outcome = 'aborted';
        else {
          sse.send(new ApiError(503, 'the server shut down before the answer was complete', { code: 'shutting_down' }).body());
          outcome = 'failed';
        }
      } else {
        const rest = text.finish();
        if (rest !== '') sse.send(chunk(rest, null));
        sse.send(chunk('', finishReasonOf(result.finishReason, text)));
        if (prepared.includeUsage) sse.send({ ...head, choices: [], usage: usageOf(prepared, result) });
      }
      sse.done();
      return outcome;
    },
    (e: unknown): StreamOutcome => {
      const err = toApiError(e);
      if (err.status >= 500) ctx.logger.error(`generation failed during a stream: ${errorMessage(e)}`);
      sse.send(err.body());
      sse.done();
      return 'failed';
    },
  );
  c.set('streamDone', done);
  return c.body(sse.stream, 200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
  });
}
