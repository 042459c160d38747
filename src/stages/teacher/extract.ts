/**
 * Stage 1 from files: read the reports (data layer), choose each report's extraction prompt, and
 * run (or preview) the teacher extraction. What `clinsum extract` calls.
 */
import { InputError, UsageError } from '../../util/errors.js';
import { shortHash } from '../../util/hash.js';
import { silentLogger } from '../../util/log.js';
import { detectLanguage, extractionPrompt, isLang, readDataset, type Lang, type PromptSet } from '../../data/index.js';
import { loadTokenizer, type Tokenizer } from '../../models/tokenizer/index.js';
import type { ChatMessage } from './client.js';
import type { PreflightReport } from './preflight.js';
import { extractItems, preflightItems, type ExtractOptions, type ExtractionSummary, type PromptText, type TeacherItem } from './runner.js';

export interface ExtractionConfig extends Omit<ExtractOptions, 'items' | 'prompt' | 'detectLanguage' | 'countTokens'> {
  /** Files and folders the data layer reads (MultiClinSum folders, JSON, JSONL, .gz). */
  data: readonly string[];
  /** Language of inputs that do not state one (see readDataset). */
  lang?: Lang;
  /** Skip unreadable items (each is logged) instead of failing. */
  skipInvalid?: boolean;
  /** A system prompt of your own for every report (NFC, trimmed); else the extraction prompt. */
  promptText?: string;
  /** Use the extraction prompt in each report's language; default: the English one for all. */
  langPrompts?: boolean;
  /** Overrides of the extraction prompts. */
  promptSet?: PromptSet;
  /** A tokenizer folder of the teacher (tokenizer.json + tokenizer_config.json) to count prompt tokens. */
  tokenizerDir?: string;
}

/** The system prompt chooser `ExtractOptions.prompt` takes, from the config. */
export function promptChooser(config: Pick<ExtractionConfig, 'promptText' | 'langPrompts' | 'promptSet'>): (item: TeacherItem) => PromptText {
  if (config.promptText !== undefined) {
    if (config.langPrompts) throw new UsageError('extract: --lang-prompts chooses the built-in prompts; it cannot be combined with --prompt or --prompt-file');
    const text = config.promptText.normalize('NFC').trim();
    if (text === '') throw new UsageError('extract: the prompt is empty');
    const prompt = { text, hash: shortHash(text) };
    return () => prompt;
  }
  const english = extractionPrompt('en', config.promptSet);
  if (!config.langPrompts) return () => english;
  return (item) => {
    if (!isLang(item.lang)) throw new InputError({ field: 'lang' }, `report ${item.id} has language "${item.lang}", which has no extraction prompt`, 'use en, es, fr or pt, or pass a prompt of your own');
    return extractionPrompt(item.lang, config.promptSet);
  };
}

/** Prompt-token counter with the tokenizer's chat template (generation prompt included). */
export function tokenCounter(tokenizer: Tokenizer): (messages: readonly ChatMessage[]) => number {
  return (messages) => tokenizer.encode(tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true })).length;
}

function options(config: ExtractionConfig): ExtractOptions {
  const log = config.logger ?? silentLogger;
  const { data, lang, skipInvalid, promptText, langPrompts, promptSet, tokenizerDir, ...rest } = config;
  const dataset = readDataset(data, {
    lang,
    skipInvalid,
    requireSummary: false,
    onSkip: (s) => log.warn(`extract: skipped ${s.file}${s.line !== undefined ? `:${s.line}` : ''}: ${s.reason}`),
  });
  if (dataset.records.length === 0) throw new UsageError(`extract: no reports in ${data.join(', ')}`);
  const items: TeacherItem[] = dataset.records.map((r) => ({ id: r.id, lang: r.lang, report: r.report }));
  return {
    ...rest,
    items,
    prompt: promptChooser({ promptText, langPrompts, promptSet }),
    detectLanguage,
    countTokens: tokenizerDir !== undefined ? tokenCounter(loadTokenizer(tokenizerDir)) : undefined,
  };
}

/** Read the reports and send what the store has not answered; see `extractItems`. */
export async function runExtraction(config: ExtractionConfig): Promise<ExtractionSummary> {
  return extractItems(options(config));
}

/** What `runExtraction` would send, how many tokens and at what cost; sends nothing. */
export async function previewExtraction(config: ExtractionConfig): Promise<PreflightReport> {
  return preflightItems(options(config));
}
