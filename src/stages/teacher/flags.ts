/**
 * Quality flags of a teacher answer, each defined so that it can be measured and re-checked:
 *
 * - `empty`: the answer is empty or white space.
 * - `truncated`: `finish_reason` is `length` (the answer hit max_tokens).
 * - `wrong_language`: the language detector names a language other than the report's with at
 *   least `minLanguageConfidence`, on an answer of at least `minLanguageChars` characters.
 * - `copies_report`: the answer reproduces at least `copyThreshold` of the report's words in
 *   verbatim runs of `copyRunWords` words or more (`copyRatio`, see there).
 */

export type AnswerFlag = 'empty' | 'truncated' | 'wrong_language' | 'copies_report';

export const ANSWER_FLAGS: readonly AnswerFlag[] = Object.freeze(['empty', 'truncated', 'wrong_language', 'copies_report']);

export interface FlagOptions {
  /** Words in a run that counts as copied. Default 8. */
  copyRunWords: number;
  /** Share of the report's words copied that flags the answer. Default 0.5. */
  copyThreshold: number;
  /** Shortest answer (characters) whose language is judged. Default 40. */
  minLanguageChars: number;
  /** Detector confidence needed to call the language wrong. Default 0.5. */
  minLanguageConfidence: number;
}

export const DEFAULT_FLAG_OPTIONS: Readonly<FlagOptions> = Object.freeze({
  copyRunWords: 8,
  copyThreshold: 0.5,
  minLanguageChars: 40,
  minLanguageConfidence: 0.5,
});

/** A language guess: `lang` undefined when the detector cannot tell. */
export interface LanguageGuess {
  lang: string | undefined;
  confidence: number;
}

export type LanguageDetector = (text: string) => LanguageGuess;

export interface FlagInput {
  answer: string;
  finishReason: string | null;
  report: string;
  lang: string;
}

export interface FlagResult {
  flags: AnswerFlag[];
  /** See `copyRatio`. */
  copyRatio: number;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased words (runs of letters and digits) of `text`, after NFC normalization. */
export function words(text: string): string[] {
  return text.normalize('NFC').toLowerCase().match(WORD) ?? [];
}

/**
 * The share of the report's words that lie in a run of at least `runWords` consecutive words
 * which also occurs, word for word, in the answer (case and punctuation ignored). 0 when the
 * report has fewer than `runWords` words.
 */
export function copyRatio(answer: string, report: string, runWords: number = DEFAULT_FLAG_OPTIONS.copyRunWords): number {
  const r = words(report);
  const a = words(answer);
  if (r.length < runWords || a.length < runWords) return 0;
  const grams = new Set<string>();
  for (let i = 0; i + runWords <= a.length; i++) grams.add(a.slice(i, i + runWords).join(' '));
  const covered = new Uint8Array(r.length);
  for (let i = 0; i + runWords <= r.length; i++) {
    if (grams.has(r.slice(i, i + runWords).join(' '))) covered.fill(1, i, i + runWords);
  }
  let n = 0;
  for (const c of covered) n += c;
  return n / r.length;
}

export function answerFlags(input: FlagInput, detect: LanguageDetector, options: Partial<FlagOptions> = {}): FlagResult {
  const o = { ...DEFAULT_FLAG_OPTIONS, ...options };
  const flags: AnswerFlag[] = [];
  const text = input.answer.trim();
  if (text === '') flags.push('empty');
  if (input.finishReason === 'length') flags.push('truncated');
  if ([...text].length >= o.minLanguageChars) {
    const guess = detect(text);
    if (guess.lang !== undefined && guess.lang !== input.lang && guess.confidence >= o.minLanguageConfidence) flags.push('wrong_language');
  }
  const ratio = copyRatio(text, input.report, o.copyRunWords);
  if (ratio >= o.copyThreshold) flags.push('copies_report');
  return { flags, copyRatio: ratio };
}
