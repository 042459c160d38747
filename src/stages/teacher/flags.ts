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
 * report has fewer than `runWords` words. Runs are compared by a 52-bit hash of their word ids
 * (two 26-bit FNV-style hashes): exact but for a collision chance of about 1e-10 per report.
 */
export function copyRatio(answer: string, report: string, runWords: number = DEFAULT_FLAG_OPTIONS.copyRunWords): number {
  const a = words(answer);
  if (a.length < runWords) return 0;
  const r = words(report);
  if (r.length < runWords) return 0;
  const ids = new Map<string, number>();
  const toIds = (ws: string[]): Int32Array => {
    const out = new Int32Array(ws.length);
    ws.forEach((w, i) => {
      let v = ids.get(w);
      if (v === undefined) ids.set(w, (v = ids.size + 1));
      out[i] = v;
    });
    return out;
  };
  const aIds = toIds(a);
  const rIds = toIds(r);
  const grams = new Set<number>();
  for (let i = 0; i + runWords <= aIds.length; i++) grams.add(runKey(aIds, i, runWords));
  const covered = new Uint8Array(rIds.length);
  for (let i = 0; i + runWords <= rIds.length; i++) {
    if (grams.has(runKey(rIds, i, runWords))) covered.fill(1, i, i + runWords);
  }
  let n = 0;
  for (const c of covered) n += c;
  return n / rIds.length;
}

function runKey(ids: Int32Array, start: number, n: number): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let k = start; k < start + n; k++) {
    const v = ids[k]!;
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul(h2 ^ (v * 0x9e3779b1), 0x85ebca6b) ^ (h2 >>> 13);
  }
  return (h1 >>> 6) * 67108864 + (h2 >>> 6);
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
