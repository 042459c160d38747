/**
 * How rougeLsum cuts a summary into sentences.
 *
 * - `newline` (rouge-score's default, `split_summaries=False`): split on "\n" and drop empty
 *   lines. This is what every number computed with rouge-score's defaults used; summaries are
 *   expected to carry one sentence a line.
 * - `sentence`: split on "\n", then inside each line after sentence-final punctuation. This is
 *   the usual practice of joining `nltk.sent_tokenize(text)` with "\n" before scoring, and close
 *   to rouge-score's `split_summaries=True`. NLTK's Punkt model cannot run here, so the rule
 *   below stands in for it; where Punkt decides differently (rare abbreviations, lower-case
 *   sentence starts), rougeLsum differs from Punkt-based numbers. Documented in
 *   docs/evaluation.md.
 *
 * The sentence rule: a boundary follows a run of `.`, `!`, `?` or `…` (plus closing quotes or
 * brackets) and white space, when the next character is an upper-case letter, a digit, or an
 * opening quote or bracket (`¿`, `¡` included); so `E. coli` and `i.v. use` never split. A `.`
 * does not end a sentence after a title or Latin abbreviation (`Dr.`, `Sra.`, `e.g.`, `et al.`,
 * `approx.`, ...), nor after `No.`, `Fig.`, `p.`, a month and the like when a number follows.
 * Single letters do end sentences (`hepatitis C. The ...`).
 *
 * Cuts fall only inside white space, which both tokenizers treat as a separator, so the tokens
 * of the whole text are exactly the tokens of its sentences, in order.
 */

export type SummarySplit = 'newline' | 'sentence';

export const SUMMARY_SPLITS: readonly SummarySplit[] = Object.freeze(['newline', 'sentence']);

/** rouge-score: `[x for x in text.split("\n") if len(x)]`. */
export function splitLines(text: string): string[] {
  return text.split('\n').filter((s) => s.length > 0);
}

/** Lower-case abbreviations, without their final period, after which a sentence never ends. */
const ABBREVIATIONS: ReadonlySet<string> = new Set([
  // English
  'mr', 'mrs', 'ms', 'dr', 'drs', 'prof', 'sr', 'jr', 'st', 'vs', 'viz', 'al', 'approx', 'cf', 'resp',
  'dept', 'univ', 'inc', 'ltd', 'corp', 'incl', 'e.g', 'i.e',
  // Spanish, French, Portuguese
  'dra', 'dras', 'dres', 'profa', 'sra', 'sras', 'srs', 'srta', 'aprox', 'ej', 'mme', 'mlle', 'pr', 'env',
  'ex', 'av',
]);

/** Abbreviations that do not end a sentence when a number follows (`Fig. 2`, `No. 5`, `Mar. 3`). */
const NUMBER_ABBREVIATIONS: ReadonlySet<string> = new Set([
  'no', 'nos', 'nº', 'n°', 'núm', 'fig', 'figs', 'vol', 'p', 'pp', 'pág', 'págs', 'ref', 'refs', 'eq', 'ca',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
]);

const TERMINATOR = /[.!?…]+["'”’»)\]]*(\s+)/gu;
const SENTENCE_START = /^(?:\p{Lu}|\p{Lt}|\p{N}|["'“‘«(\[¿¡])/u;

/** Whether the text before a `.` ends with an abbreviation that keeps the sentence going. */
function endsWithAbbreviation(before: string, nextIsDigit: boolean): boolean {
  const word = before.slice(before.search(/\S+$/u)).replace(/^["'“‘«(\[]+/u, '');
  const bare = word.replace(/\.$/u, '').toLowerCase();
  if (bare.length === 0) return false;
  return ABBREVIATIONS.has(bare) || (nextIsDigit && NUMBER_ABBREVIATIONS.has(bare));
}

/** The sentences of one line, by the rule in the module comment. */
function splitLine(line: string): string[] {
  const out: string[] = [];
  let start = 0;
  TERMINATOR.lastIndex = 0;
  for (let m = TERMINATOR.exec(line); m !== null; m = TERMINATOR.exec(line)) {
    const end = m.index + m[0].length - m[1]!.length;
    const next = m.index + m[0].length;
    if (next >= line.length) break;
    if (!SENTENCE_START.test(line.slice(next, next + 2))) continue;
    const candidate = line.slice(start, end);
    if (line[end - 1] === '.' && endsWithAbbreviation(candidate, /\p{N}/u.test(line[next]!))) continue;
    out.push(candidate);
    start = next;
  }
  out.push(line.slice(start));
  return out;
}

/** Lines, then sentences inside each line; segments with no visible character are dropped. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    for (const s of splitLine(line)) if (s.trim().length > 0) out.push(s);
  }
  return out;
}

/** The segments rougeLsum scores, for the chosen split. */
export function splitSummary(text: string, split: SummarySplit): string[] {
  return split === 'newline' ? splitLines(text) : splitSentences(text);
}
