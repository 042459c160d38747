/**
 * The two system prompts of the method, per language, and their content hashes.
 *
 * - extraction (teacher stage, and the student's auxiliary task): the paper's English
 *   "Extract the key information from clinical text", with es/fr/pt translations of our own;
 * - summarization: the paper's localized inference prompts (en "Summarize clinical text",
 *   es "Resumir el texto clínico", fr "Résumer le texte clinique", pt "Resumir texto clínico").
 *
 * Every prompt can be overridden per language with a `PromptSet` (e.g. from config.yaml). Each
 * resolved prompt carries `hash = shortHash(text)` (12 hex digits of SHA-256 of its UTF-8 text),
 * so every output row can record exactly which prompt produced it.
 */
import { ConfigError } from '../util/errors.js';
import { shortHash } from '../util/hash.js';
import { z } from '../util/schema.js';
import { LANGS, type Lang } from './lang.js';

export type PromptTask = 'extraction' | 'summarization';

/** Per-language overrides; languages left out keep the defaults. */
export interface PromptSet {
  extraction?: Partial<Record<Lang, string>>;
  summarization?: Partial<Record<Lang, string>>;
}

export interface Prompt {
  text: string;
  /** `shortHash(text)`: 12 hex digits. */
  hash: string;
}

export const DEFAULT_PROMPTS: Readonly<Record<PromptTask, Readonly<Record<Lang, string>>>> = Object.freeze({
  extraction: Object.freeze({
    en: 'Extract the key information from clinical text',
    es: 'Extraer la información clave del texto clínico',
    fr: 'Extraire les informations clés du texte clinique',
    pt: 'Extrair as informações principais do texto clínico',
  }),
  summarization: Object.freeze({
    en: 'Summarize clinical text',
    es: 'Resumir el texto clínico',
    fr: 'Résumer le texte clinique',
    pt: 'Resumir texto clínico',
  }),
});

const promptText = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .refine((s) => s.length > 0, 'a prompt must not be empty');

const perLang = z.strictObject({ en: promptText.optional(), es: promptText.optional(), fr: promptText.optional(), pt: promptText.optional() });

/** Schema of a `PromptSet` in a config file (unknown keys and empty prompts are errors). */
export const promptSetSchema = z.strictObject({ extraction: perLang.optional(), summarization: perLang.optional() });

/** Prompt text → hash, so formatting thousands of examples does not rehash the same prompts. */
const hashes = new Map<string, string>();

/** The prompt of `task` in `lang`: the override from `set` if it has one, else the default. */
export function resolvePrompt(task: PromptTask, lang: Lang, set?: PromptSet): Prompt {
  const override = set?.[task]?.[lang];
  const text = override !== undefined ? override.normalize('NFC').trim() : DEFAULT_PROMPTS[task][lang];
  if (text === '') throw new ConfigError(`the ${task} prompt for ${lang} is empty (give a prompt text, or leave ${task}.${lang} out to use the default)`);
  let hash = hashes.get(text);
  if (hash === undefined) {
    hash = shortHash(text);
    if (hashes.size > 1024) hashes.clear();
    hashes.set(text, hash);
  }
  return { text, hash };
}

/** The extraction prompt ("Extract the key information from clinical text" in English). */
export function extractionPrompt(lang: Lang, set?: PromptSet): Prompt {
  return resolvePrompt('extraction', lang, set);
}

/** The summarization prompt ("Summarize clinical text" in English). */
export function summarizationPrompt(lang: Lang, set?: PromptSet): Prompt {
  return resolvePrompt('summarization', lang, set);
}

/** Every resolved prompt of a set, e.g. to record in a run's manifest. */
export function resolvePromptSet(set?: PromptSet): Record<PromptTask, Record<Lang, Prompt>> {
  const out = { extraction: {}, summarization: {} } as Record<PromptTask, Record<Lang, Prompt>>;
  for (const task of ['extraction', 'summarization'] as const) {
    for (const lang of LANGS) out[task][lang] = resolvePrompt(task, lang, set);
  }
  return out;
}
