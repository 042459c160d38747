/**
 * The prompts in effect for a run, made explicit in `RUN/config.yaml`'s `prompts:` section: the
 * teacher and the student's extraction task must see the same system prompt, or the student learns
 * to answer one prompt with what the teacher answered to another.
 *
 * - `teacher.prompt` (a prompt of your own): the extraction prompt of every language.
 * - `teacher.lang_prompts: false` (the default, the paper's set-up): the English extraction prompt
 *   (or `prompts.extraction.en`) for every language.
 * - `teacher.lang_prompts: true`: each language's own extraction prompt.
 */
import { LANGS } from '../data/lang.js';
import { DEFAULT_PROMPTS, type PromptSet } from '../data/prompts.js';
import { InputError } from '../util/errors.js';
import type { RunConfig } from './config.js';
import type { YamlSource } from './yaml-source.js';

export function effectivePrompts(config: RunConfig, source: YamlSource): PromptSet {
  const t = config.teacher;
  const given = config.prompts;
  if (t === null || t.lang_prompts) return given;
  const english = t.prompt ?? given.extraction?.en ?? DEFAULT_PROMPTS.extraction.en;
  for (const lang of LANGS) {
    const own = given.extraction?.[lang];
    if (own === undefined || (lang === 'en' && t.prompt === null)) continue;
    const why = t.prompt !== null ? 'teacher.prompt is the extraction prompt of every language' : 'with teacher.lang_prompts: false the teacher gets the English extraction prompt for every report';
    throw new InputError(source.locate(['prompts', 'extraction', lang]), `is set, but ${why}`, t.prompt !== null ? 'drop one of the two' : 'set teacher.lang_prompts: true to give each language its own');
  }
  return { ...given, extraction: Object.fromEntries(LANGS.map((l) => [l, english])) };
}
