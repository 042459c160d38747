/**
 * clinsum's own routes, used by the web page and open to any client:
 * - `POST /v1/clinsum/generate`: summarize a case report, or extract its key information, with the
 *   method's localized system prompt for the report's language (given, or detected); answers as a
 *   chat completion (streamed or not) with a `clinsum` field: `{task, lang, detected, prompt,
 *   prompt_hash}` (in the first chunk of a stream).
 * - `POST /v1/clinsum/detect`: `{text}` → `{lang, confidence, scores}` (lang null when unsure).
 */
import { Hono } from 'hono';
import { detectLanguage, type Lang } from '../../../data/lang.js';
import { extractionPrompt, summarizationPrompt } from '../../../data/prompts.js';
import { readJsonBody } from '../body.js';
import type { AppEnv, ServerContext } from '../context.js';
import { invalidParam } from '../errors.js';
import { checkModel, prepareGeneration, respond } from '../generation.js';
import { clinsumGenerateSchema, detectSchema, parseBody } from '../schemas.js';
import { chatPromptIds } from './openai.js';

export function clinsumRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/generate', async (c) => {
    const body = parseBody(clinsumGenerateSchema, await readJsonBody(c, ctx.maxBodyBytes));
    checkModel(ctx, body.model);
    const report = body.text.trim();
    let lang: Lang;
    let detected: { lang: Lang; confidence: number } | null = null;
    if (body.lang === 'auto') {
      const guess = detectLanguage(report);
      if (guess.lang === undefined) {
        throw invalidParam('lang', 'the language of the report could not be detected; choose it (en, es, fr or pt)', 'language_not_detected');
      }
      lang = guess.lang;
      detected = { lang: guess.lang, confidence: guess.confidence };
    } else lang = body.lang;
    const prompt = body.task === 'summarization' ? summarizationPrompt(lang) : extractionPrompt(lang);
    const ids = chatPromptIds(ctx, [
      { role: 'system', content: prompt.text },
      { role: 'user', content: report },
    ]);
    const prepared = prepareGeneration(ctx, body, ids, 'text', body.max_tokens);
    return respond(c, ctx, prepared, 'chat', { clinsum: { task: body.task, lang, detected, prompt: prompt.text, prompt_hash: prompt.hash } });
  });

  app.post('/detect', async (c) => {
    const body = parseBody(detectSchema, await readJsonBody(c, ctx.maxBodyBytes));
    const g = detectLanguage(body.text);
    return c.json({ lang: g.lang ?? null, confidence: g.confidence, scores: g.scores });
  });

  return app;
}
