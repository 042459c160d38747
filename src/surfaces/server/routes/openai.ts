/** The OpenAI-compatible routes: chat completions, completions, models. */
import { Hono } from 'hono';
import type { ChatMessage } from '../../../models/tokenizer/index.js';
import { errorMessage } from '../../../util/errors.js';
import { readJsonBody } from '../body.js';
import type { AppEnv, ServerContext } from '../context.js';
import { invalidParam } from '../errors.js';
import { checkModel, prepareGeneration, respond } from '../generation.js';
import { chatCompletionSchema, completionSchema, parseBody, type ChatCompletionBody } from '../schemas.js';

/** Messages in the tokenizer's form: text parts joined, `developer` read as `system`. */
function chatMessages(body: ChatCompletionBody): ChatMessage[] {
  return body.messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text).join(''),
  }));
}

/** The prompt ids of a conversation: the model's chat template with the generation prompt, tokenized. */
export function chatPromptIds(ctx: ServerContext, messages: readonly ChatMessage[]): number[] {
  const tok = ctx.backend.tokenizer;
  if (tok.chatTemplate === undefined) {
    throw invalidParam('messages', 'this model has no chat template; use /v1/completions with a prompt string');
  }
  let rendered: string;
  try {
    rendered = tok.applyChatTemplate(messages, { addGenerationPrompt: true });
  } catch (e) {
    // The template refused the conversation (e.g. roles out of order); its message names no content.
    throw invalidParam('messages', errorMessage(e));
  }
  return tok.encode(rendered);
}

export function openaiRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/chat/completions', async (c) => {
    const body = parseBody(chatCompletionSchema, await readJsonBody(c, ctx.maxBodyBytes));
    checkModel(ctx, body.model);
    const ids = chatPromptIds(ctx, chatMessages(body));
    const prepared = prepareGeneration(ctx, body, ids, 'messages', body.max_completion_tokens ?? body.max_tokens);
    return respond(c, ctx, prepared, 'chat');
  });

  app.post('/completions', async (c) => {
    const body = parseBody(completionSchema, await readJsonBody(c, ctx.maxBodyBytes));
    checkModel(ctx, body.model);
    const prompt = body.prompt;
    let ids: number[];
    if (typeof prompt === 'string') ids = ctx.backend.tokenizer.encode(prompt, { addSpecialTokens: true });
    else {
      ids = prompt;
      const vocab = ctx.backend.tokenizer.vocabSize;
      const bad = ids.findIndex((id) => id >= vocab);
      if (bad >= 0) throw invalidParam('prompt', `token id ${ids[bad]} at position ${bad} is outside the vocabulary (0 … ${vocab - 1})`);
    }
    const prepared = prepareGeneration(ctx, body, ids, 'prompt', body.max_tokens);
    return respond(c, ctx, prepared, 'text');
  });

  app.get('/models', (c) =>
    c.json({
      object: 'list',
      data: [{ id: ctx.modelName, object: 'model', created: ctx.created, owned_by: 'clinsum', max_model_len: ctx.backend.maxContextTokens }],
    }),
  );

  return app;
}
