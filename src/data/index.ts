/** Data layer (layer 3): the public API. */
export { LANGS, LANG_NAMES, isLang, parseLang, isLanguageCode, unknownLangProblem, langFromFileName, detectLanguage, DETECT_MAX_CHARS } from './lang.js';
export type { Lang, LanguageGuess } from './lang.js';
export { DEFAULT_PROMPTS, promptSetSchema, resolvePrompt, extractionPrompt, summarizationPrompt, resolvePromptSet } from './prompts.js';
export type { Prompt, PromptSet, PromptTask } from './prompts.js';
export type { CaseRecord, Skipped, DatasetSource, Dataset, ReadOptions } from './types.js';
export { readDataset, cleanText, parseCaseFileName } from './read.js';
export type { CaseFileName } from './read.js';
export { cutPoints, splitRecords, writeSplit, splitRow, checkSplitOptions, DEFAULT_SPLIT, SPLIT_NAMES } from './split.js';
export type { Split, SplitCounts, SplitName, SplitOptions, SplitManifest } from './split.js';
export { codePointLength, computeStats, formatStatsTable } from './stats.js';
export type { DatasetStats, LanguageStats, LengthStats, TextField } from './stats.js';
export {
  IGNORE_INDEX,
  DEFAULT_BUDGETS,
  buildMessages,
  formatRecord,
  PromptBudgetError,
  formatExample,
  renderPrompt,
  truncationCounts,
} from './format.js';
export type { Task, Layout, Budgets, FormatOptions, FormatInput, FormattedExample, RenderedPrompt } from './format.js';
