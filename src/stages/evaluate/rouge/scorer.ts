/**
 * ROUGE-N, ROUGE-L and ROUGE-Lsum with the exact semantics of Google's rouge-score 0.1.2
 * (rouge_scorer.py), over integer token ids:
 *  - rougeN: n-gram counts of reference and prediction; matches = Σ min(count_ref, count_pred);
 *    precision = matches / max(#pred n-grams, 1), recall = matches / max(#ref n-grams, 1);
 *  - rougeL: LCS of the two token sequences; 0 when either is empty;
 *  - rougeLsum: summary-level LCS (Lin 2004, §3.2, as ROUGE-1.5.5): for each reference
 *    sentence, the union of its LCS index sets with every predicted sentence; each token of that
 *    union is a hit while its remaining count is positive in both texts (counts start at the
 *    token counts of the whole texts and go down with every hit), so no token is counted twice;
 *    precision = hits / #pred tokens, recall = hits / #ref tokens;
 *  - F = 2PR / (P + R), 0 when P + R = 0.
 *
 * A `RougeScorer` memoizes stems and token ids across calls, so scoring a corpus stems each
 * distinct word once; keep one per run (and per language with Snowball stemming).
 */
import { ConfigError } from '../../../util/errors.js';
import { prf, ZERO_PRF, type Prf } from '../prf.js';
import { lcsLength, LcsWorkspace, markLcs, MatchMasks } from './lcs.js';
import { porterStem } from './porter.js';
import { splitSummary, type SummarySplit } from './sentences.js';
import { snowballStemmer } from './snowball.js';
import { codePointLength, referenceTokens, unicodeTokens, type Stem, type TokenizerName } from './tokenize.js';

/** `rouge1` … `rouge9`, `rougeL`, `rougeLsum` (the types rouge-score accepts). */
export type RougeType = `rouge${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}` | 'rougeL' | 'rougeLsum';

export const DEFAULT_ROUGE_TYPES: readonly RougeType[] = Object.freeze(['rouge1', 'rouge2', 'rougeL', 'rougeLsum']);

export function isRougeType(s: string): s is RougeType {
  return /^rouge[1-9]$/.test(s) || s === 'rougeL' || s === 'rougeLsum';
}

export interface RougeOptions {
  /** Default: rouge1, rouge2, rougeL, rougeLsum. */
  types?: readonly RougeType[];
  /**
   * Stem tokens longer than 3 characters. With the reference tokenizer: NLTK's Porter stemmer
   * (rouge-score's `use_stemmer=True`). With the unicode tokenizer: the Snowball stemmer of
   * `lang` (en, es, fr, pt); other languages stay unstemmed (see `stemmerName`). Default false.
   */
  stemmer?: boolean;
  /** Default `reference` (rouge-score's tokenizer; the only one comparable with published numbers). */
  tokenizer?: TokenizerName;
  /** Language of the texts; picks the Snowball stemmer in unicode mode. */
  lang?: string;
  /** How rougeLsum finds sentences. Default `newline` (rouge-score's default). */
  summarySplit?: SummarySplit;
}

export type RougeScores = Partial<Record<RougeType, Prf>>;

/** A text as token ids, with the end offset of each rougeLsum segment. */
interface Encoded {
  ids: Int32Array;
  segmentEnds: number[];
}

const BIGRAM_STRIDE = 2 ** 26;

export class RougeScorer {
  readonly types: readonly RougeType[];
  readonly tokenizer: TokenizerName;
  readonly summarySplit: SummarySplit;
  /** `porter` (NLTK), `snowball-<lang>`, or `none`. */
  readonly stemmerName: string;

  private readonly stem: Stem | undefined;
  private readonly split: (text: string) => string[];
  private readonly rawTokens: (text: string) => string[];
  /** Raw token → id of its (stemmed) form. */
  private readonly rawToId = new Map<string, number>();
  /** Stemmed form → id, and back. */
  private readonly vocab = new Map<string, number>();
  private readonly forms: string[] = [];
  private readonly ws = new LcsWorkspace();
  private readonly masks = new MatchMasks();
  private countsRef = new Int32Array(1024);
  private countsPred = new Int32Array(1024);
  private marks = new Uint8Array(256);
  private idBuffer = new Int32Array(1024);

  constructor(options: RougeOptions = {}) {
    const types = options.types ?? DEFAULT_ROUGE_TYPES;
    for (const t of types) {
      if (!isRougeType(t)) throw new ConfigError(`unknown ROUGE type "${String(t)}" (use rouge1..rouge9, rougeL or rougeLsum)`);
    }
    if (types.length === 0) throw new ConfigError('no ROUGE type requested');
    this.types = Object.freeze([...types]);
    this.tokenizer = options.tokenizer ?? 'reference';
    this.summarySplit = options.summarySplit ?? 'newline';
    if (options.stemmer === true) {
      if (this.tokenizer === 'reference') {
        this.stem = porterStem;
        this.stemmerName = 'porter';
      } else {
        this.stem = options.lang === undefined ? undefined : snowballStemmer(options.lang);
        this.stemmerName = this.stem === undefined ? 'none' : `snowball-${options.lang}`;
      }
    } else {
      this.stem = undefined;
      this.stemmerName = 'none';
    }
    const split = this.summarySplit;
    this.split = (text) => splitSummary(text, split);
    this.rawTokens = this.tokenizer === 'reference' ? referenceTokens : unicodeTokens;
  }

  /** Scores of `prediction` against `reference`, one `Prf` per requested type. */
  score(reference: string, prediction: string): RougeScores {
    const ref = this.encode(reference);
    const pred = this.encode(prediction);
    const out: RougeScores = {};
    for (const type of this.types) {
      if (type === 'rougeL') out[type] = this.scoreLcs(ref.ids, pred.ids);
      else if (type === 'rougeLsum') out[type] = this.summaryLevelLcs(ref, pred);
      else out[type] = this.scoreNgrams(ref.ids, pred.ids, Number(type.slice(5)));
    }
    return out;
  }

  /** The tokens rouge-score would compare for `text` (after stemming), for inspection and tests. */
  tokens(text: string): string[] {
    return Array.from(this.encode(text).ids, (id) => this.forms[id]!);
  }

  private idOf(raw: string): number {
    let id = this.rawToId.get(raw);
    if (id === undefined) {
      const form = this.stem !== undefined && codePointLength(raw) > 3 ? this.stem(raw) : raw;
      id = this.vocab.get(form);
      if (id === undefined) {
        id = this.forms.length;
        this.vocab.set(form, id);
        this.forms.push(form);
      }
      this.rawToId.set(raw, id);
    }
    return id;
  }

  private encode(text: string): Encoded {
    const segmentEnds: number[] = [];
    let n = 0;
    for (const segment of this.split(text)) {
      for (const raw of this.rawTokens(segment)) {
        if (n === this.idBuffer.length) {
          const grown = new Int32Array(n * 2);
          grown.set(this.idBuffer);
          this.idBuffer = grown;
        }
        this.idBuffer[n++] = this.idOf(raw);
      }
      segmentEnds.push(n);
    }
    return { ids: this.idBuffer.slice(0, n), segmentEnds };
  }

  private ensureCounts(): void {
    const size = this.vocab.size;
    if (this.countsRef.length < size) {
      let n = this.countsRef.length;
      while (n < size) n *= 2;
      this.countsRef = new Int32Array(n);
      this.countsPred = new Int32Array(n);
    }
  }

  private scoreNgrams(ref: Int32Array, pred: Int32Array, n: number): Prf {
    const refCount = Math.max(ref.length - n + 1, 0);
    const predCount = Math.max(pred.length - n + 1, 0);
    let matches = 0;
    if (refCount > 0 && predCount > 0) {
      if (n === 1) {
        this.ensureCounts();
        const counts = this.countsRef;
        for (let i = 0; i < ref.length; i++) counts[ref[i]!]!++;
        for (let i = 0; i < pred.length; i++) {
          const id = pred[i]!;
          if (counts[id]! > 0) {
            matches++;
            counts[id]!--;
          }
        }
        for (let i = 0; i < ref.length; i++) counts[ref[i]!] = 0;
      } else if (n === 2 && this.forms.length <= BIGRAM_STRIDE) {
        matches = sortedMatches(bigramKeys(ref), bigramKeys(pred));
      } else {
        const counts = new Map<string, number>();
        for (let i = 0; i < refCount; i++) {
          const k = ref.subarray(i, i + n).join(',');
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
        for (let i = 0; i < predCount; i++) {
          const k = pred.subarray(i, i + n).join(',');
          const c = counts.get(k);
          if (c !== undefined && c > 0) {
            matches++;
            counts.set(k, c - 1);
          }
        }
      }
    }
    return prf(matches / Math.max(predCount, 1), matches / Math.max(refCount, 1));
  }

  /** rouge-score's `_score_lcs`. */
  private scoreLcs(ref: Int32Array, pred: Int32Array): Prf {
    if (ref.length === 0 || pred.length === 0) return { ...ZERO_PRF };
    const lcs = lcsLength(ref, this.masks.load(pred), this.ws);
    return prf(lcs / pred.length, lcs / ref.length);
  }

  /**
   * rouge-score's `_summary_level_lcs`. The union-LCS marks of a reference sentence do not
   * depend on the order in which the predicted sentences are visited, so each predicted
   * sentence is indexed once and matched against every reference sentence; the hits are then
   * counted sentence by sentence, in rouge-score's order.
   */
  private summaryLevelLcs(ref: Encoded, pred: Encoded): Prf {
    const m = ref.ids.length;
    const n = pred.ids.length;
    if (m === 0 || n === 0) return { ...ZERO_PRF };
    if (this.marks.length < m) this.marks = new Uint8Array(m * 2);
    const marks = this.marks;
    marks.fill(0, 0, m);
    let predStart = 0;
    for (const predEnd of pred.segmentEnds) {
      if (predEnd > predStart) {
        const can = this.masks.load(pred.ids, predStart, predEnd - predStart);
        let refStart = 0;
        for (const refEnd of ref.segmentEnds) {
          markLcs(ref.ids, refStart, refEnd - refStart, can, pred.ids, predStart, marks, this.ws);
          refStart = refEnd;
        }
      }
      predStart = predEnd;
    }
    this.ensureCounts();
    const cr = this.countsRef;
    const cp = this.countsPred;
    for (let i = 0; i < m; i++) cr[ref.ids[i]!]!++;
    for (let i = 0; i < n; i++) cp[pred.ids[i]!]!++;
    let hits = 0;
    for (let k = 0; k < m; k++) {
      if (marks[k] === 0) continue;
      const t = ref.ids[k]!;
      if (cp[t]! > 0 && cr[t]! > 0) {
        hits++;
        cp[t]!--;
        cr[t]!--;
      }
    }
    for (let i = 0; i < m; i++) cr[ref.ids[i]!] = 0;
    for (let i = 0; i < n; i++) cp[pred.ids[i]!] = 0;
    return prf(hits / n, hits / m);
  }
}

/** Bigrams as sortable numbers `a · 2^26 + b` (exact while ids stay below 2^26), sorted. */
function bigramKeys(ids: Int32Array): Float64Array {
  const keys = new Float64Array(ids.length - 1);
  for (let i = 0; i + 1 < ids.length; i++) keys[i] = ids[i]! * BIGRAM_STRIDE + ids[i + 1]!;
  return keys.sort();
}

/** Σ over distinct keys of min(count in a, count in b), for sorted a and b. */
function sortedMatches(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let matches = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) i++;
    else if (y < x) j++;
    else {
      matches++;
      i++;
      j++;
    }
  }
  return matches;
}

/**
 * Scores of one pair (a fresh scorer each call; for many pairs keep a `RougeScorer`).
 * Argument order as rouge-score's `score(target, prediction)`: the reference comes first.
 */
export function scoreRouge(reference: string, prediction: string, options: RougeOptions = {}): RougeScores {
  return new RougeScorer(options).score(reference, prediction);
}
