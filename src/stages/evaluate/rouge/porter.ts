/**
 * NLTK's Porter stemmer in its default `NLTK_EXTENSIONS` mode (nltk/stem/porter.py, NLTK 3.8),
 * ported rule for rule: this is the stemmer Google's rouge-score calls with `use_stemmer=True`.
 *
 * The npm Porter stemmers follow Martin Porter's own extensions (`MARTIN_EXTENSIONS`) and differ
 * from NLTK on a few hundred clinical words (`aged`, `dying`, `flies`, ...). The NLTK-only rules
 * kept here, all marked `NLTK:` below:
 *  - a pool of irregular forms (`skies` → `sky`, `dying` → `die`, `news` → `news`, ...);
 *  - words of one or two characters are returned as they are;
 *  - step 1a: a four-letter word in `ies` becomes `ie` (`dies` → `die`, but `flies` → `fli`);
 *  - step 1b: `ied` → `ie` for four-letter words, else `i` (`died` → `die`, `spied` → `spi`);
 *  - step 1b's *o condition also holds for a two-letter vowel–consonant stem;
 *  - step 1c: `y` → `i` only after a consonant that is not the whole stem (`happy` → `happi`,
 *    `enjoy` stays, `fly` → `fli`);
 *  - step 2: `alli` → `al` first, then step 2 again; `bli` → `ble` (not `abli` → `able`); extra
 *    rules `fulli` → `ful` and `logi` → `log` with the `l` counted in the stem.
 *
 * Characters are compared as UTF-16 code units, which is exact for the lower-case ASCII tokens
 * that rouge-score's tokenizer produces (the only use here).
 */

const IRREGULAR_FORMS: Readonly<Record<string, readonly string[]>> = {
  sky: ['sky', 'skies'],
  die: ['dying'],
  lie: ['lying'],
  tie: ['tying'],
  news: ['news'],
  inning: ['innings', 'inning'],
  outing: ['outings', 'outing'],
  canning: ['cannings', 'canning'],
  howe: ['howe'],
  proceed: ['proceed'],
  exceed: ['exceed'],
  succeed: ['succeed'],
};

/** NLTK: irregular form → stem. */
const POOL: ReadonlyMap<string, string> = new Map(
  Object.entries(IRREGULAR_FORMS).flatMap(([stem, forms]) => forms.map((f): [string, string] => [f, stem])),
);

const A = 97;
const E = 101;
const I = 105;
const O = 111;
const U = 117;
const Y = 121;

/** Porter's consonant: not a, e, i, o, u, and not a `y` that follows a consonant. */
function isConsonant(word: string, i: number): boolean {
  const c = word.charCodeAt(i);
  if (c === A || c === E || c === I || c === O || c === U) return false;
  if (c === Y) return i === 0 ? true : !isConsonant(word, i - 1);
  return true;
}

/** Porter's measure m of `[C](VC){m}[V]`: the number of vowel→consonant transitions. */
function measure(stem: string): number {
  let m = 0;
  let prevVowel = false;
  let prevConsonant = false;
  for (let i = 0; i < stem.length; i++) {
    const c = stem.charCodeAt(i);
    let consonant: boolean;
    if (c === A || c === E || c === I || c === O || c === U) consonant = false;
    else if (c === Y) consonant = i === 0 ? true : !prevConsonant;
    else consonant = true;
    if (consonant && prevVowel) m++;
    prevVowel = !consonant;
    prevConsonant = consonant;
  }
  return m;
}

function hasPositiveMeasure(stem: string): boolean {
  return measure(stem) > 0;
}

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

/** Condition *d: the word ends with a double consonant. */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word.charCodeAt(n - 1) === word.charCodeAt(n - 2) && isConsonant(word, n - 1);
}

/** Condition *o: the stem ends consonant–vowel–consonant, the last not w, x or y. */
function endsCvc(word: string): boolean {
  const n = word.length;
  if (n >= 3 && isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1)) {
    const last = word[n - 1];
    if (last !== 'w' && last !== 'x' && last !== 'y') return true;
  }
  // NLTK: a two-letter vowel–consonant stem also counts.
  return n === 2 && !isConsonant(word, 0) && isConsonant(word, 1);
}

/**
 * A suffix rule: when the word ends with `suffix`, it is replaced by `replacement` if
 * `condition(stem)` holds, and otherwise the word is left as it is (no later rule is tried).
 * `suffix: DOUBLE` is Porter's *d: a double consonant, of which the last two letters go.
 */
interface Rule {
  readonly suffix: string;
  readonly replacement: string;
  readonly condition?: (stem: string) => boolean;
}

const DOUBLE = '*d';

function applyRuleList(word: string, rules: readonly Rule[]): string {
  for (const { suffix, replacement, condition } of rules) {
    if (suffix === DOUBLE) {
      if (endsDoubleConsonant(word)) {
        const stem = word.slice(0, -2);
        return condition === undefined || condition(stem) ? stem + replacement : word;
      }
      continue;
    }
    if (word.endsWith(suffix)) {
      const stem = suffix === '' ? word : word.slice(0, word.length - suffix.length);
      return condition === undefined || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

const STEP1A: readonly Rule[] = [
  { suffix: 'sses', replacement: 'ss' },
  { suffix: 'ies', replacement: 'i' },
  { suffix: 'ss', replacement: 'ss' },
  { suffix: 's', replacement: '' },
];

function step1a(word: string): string {
  // NLTK: 'dies' → 'die' (while 'flies' → 'fli').
  if (word.length === 4 && word.endsWith('ies')) return `${word.slice(0, 1)}ie`;
  return applyRuleList(word, STEP1A);
}

function step1b(word: string): string {
  // NLTK: 'died' → 'die', 'spied' → 'spi'.
  if (word.endsWith('ied')) return word.length === 4 ? `${word.slice(0, 1)}ie` : `${word.slice(0, -3)}i`;

  if (word.endsWith('eed')) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? `${stem}ee` : word;
  }

  let intermediate: string | undefined;
  for (const suffix of ['ed', 'ing']) {
    if (word.endsWith(suffix)) {
      const stem = word.slice(0, word.length - suffix.length);
      if (containsVowel(stem)) {
        intermediate = stem;
        break;
      }
    }
  }
  if (intermediate === undefined) return word;

  const last = intermediate[intermediate.length - 1]!;
  return applyRuleList(intermediate, [
    { suffix: 'at', replacement: 'ate' },
    { suffix: 'bl', replacement: 'ble' },
    { suffix: 'iz', replacement: 'ize' },
    // (*d and not (*L or *S or *Z)) → single letter
    { suffix: DOUBLE, replacement: last, condition: () => last !== 'l' && last !== 's' && last !== 'z' },
    // (m=1 and *o) → E
    { suffix: '', replacement: 'e', condition: (stem) => measure(stem) === 1 && endsCvc(stem) },
  ]);
}

const STEP1C: readonly Rule[] = [
  // NLTK: (*c and not c) Y → I
  { suffix: 'y', replacement: 'i', condition: (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1) },
];

function step1c(word: string): string {
  return applyRuleList(word, STEP1C);
}

const STEP2_HEAD: readonly Rule[] = [
  { suffix: 'ational', replacement: 'ate', condition: hasPositiveMeasure },
  { suffix: 'tional', replacement: 'tion', condition: hasPositiveMeasure },
  { suffix: 'enci', replacement: 'ence', condition: hasPositiveMeasure },
  { suffix: 'anci', replacement: 'ance', condition: hasPositiveMeasure },
  { suffix: 'izer', replacement: 'ize', condition: hasPositiveMeasure },
  // NLTK (and Martin): 'bli' → 'ble' in place of the paper's 'abli' → 'able'.
  { suffix: 'bli', replacement: 'ble', condition: hasPositiveMeasure },
  { suffix: 'alli', replacement: 'al', condition: hasPositiveMeasure },
  { suffix: 'entli', replacement: 'ent', condition: hasPositiveMeasure },
  { suffix: 'eli', replacement: 'e', condition: hasPositiveMeasure },
  { suffix: 'ousli', replacement: 'ous', condition: hasPositiveMeasure },
  { suffix: 'ization', replacement: 'ize', condition: hasPositiveMeasure },
  { suffix: 'ation', replacement: 'ate', condition: hasPositiveMeasure },
  { suffix: 'ator', replacement: 'ate', condition: hasPositiveMeasure },
  { suffix: 'alism', replacement: 'al', condition: hasPositiveMeasure },
  { suffix: 'iveness', replacement: 'ive', condition: hasPositiveMeasure },
  { suffix: 'fulness', replacement: 'ful', condition: hasPositiveMeasure },
  { suffix: 'ousness', replacement: 'ous', condition: hasPositiveMeasure },
  { suffix: 'aliti', replacement: 'al', condition: hasPositiveMeasure },
  { suffix: 'iviti', replacement: 'ive', condition: hasPositiveMeasure },
  { suffix: 'biliti', replacement: 'ble', condition: hasPositiveMeasure },
  // NLTK:
  { suffix: 'fulli', replacement: 'ful', condition: hasPositiveMeasure },
];

function step2(word: string): string {
  // NLTK: 'alli' → 'al' first, and if that succeeds, step 2 again on the result.
  if (word.endsWith('alli') && hasPositiveMeasure(word.slice(0, -4))) return step2(`${word.slice(0, -4)}al`);
  return applyRuleList(word, [
    ...STEP2_HEAD,
    // NLTK: the 'l' of 'logi' → 'log' counts with the stem, so that 'geo', 'theo' work like 'philo'.
    { suffix: 'logi', replacement: 'log', condition: () => hasPositiveMeasure(word.slice(0, -3)) },
  ]);
}

const STEP3: readonly Rule[] = [
  { suffix: 'icate', replacement: 'ic', condition: hasPositiveMeasure },
  { suffix: 'ative', replacement: '', condition: hasPositiveMeasure },
  { suffix: 'alize', replacement: 'al', condition: hasPositiveMeasure },
  { suffix: 'iciti', replacement: 'ic', condition: hasPositiveMeasure },
  { suffix: 'ical', replacement: 'ic', condition: hasPositiveMeasure },
  { suffix: 'ful', replacement: '', condition: hasPositiveMeasure },
  { suffix: 'ness', replacement: '', condition: hasPositiveMeasure },
];

const measureGt1 = (stem: string): boolean => measure(stem) > 1;

const STEP4: readonly Rule[] = [
  { suffix: 'al', replacement: '', condition: measureGt1 },
  { suffix: 'ance', replacement: '', condition: measureGt1 },
  { suffix: 'ence', replacement: '', condition: measureGt1 },
  { suffix: 'er', replacement: '', condition: measureGt1 },
  { suffix: 'ic', replacement: '', condition: measureGt1 },
  { suffix: 'able', replacement: '', condition: measureGt1 },
  { suffix: 'ible', replacement: '', condition: measureGt1 },
  { suffix: 'ant', replacement: '', condition: measureGt1 },
  { suffix: 'ement', replacement: '', condition: measureGt1 },
  { suffix: 'ment', replacement: '', condition: measureGt1 },
  { suffix: 'ent', replacement: '', condition: measureGt1 },
  // (m>1 and (*S or *T)) ION →
  {
    suffix: 'ion',
    replacement: '',
    condition: (stem) => measure(stem) > 1 && (stem.endsWith('s') || stem.endsWith('t')),
  },
  { suffix: 'ou', replacement: '', condition: measureGt1 },
  { suffix: 'ism', replacement: '', condition: measureGt1 },
  { suffix: 'ate', replacement: '', condition: measureGt1 },
  { suffix: 'iti', replacement: '', condition: measureGt1 },
  { suffix: 'ous', replacement: '', condition: measureGt1 },
  { suffix: 'ive', replacement: '', condition: measureGt1 },
  { suffix: 'ize', replacement: '', condition: measureGt1 },
];

/** (m>1) E →, and (m=1 and not *o) E → (both conditions are tried, unlike a rule list). */
function step5a(word: string): string {
  if (word.endsWith('e')) {
    const stem = word.slice(0, -1);
    const m = measure(stem);
    if (m > 1) return stem;
    if (m === 1 && !endsCvc(stem)) return stem;
  }
  return word;
}

/** (m>1 and *d and *L) → single letter; the measure is taken with one `l` kept. */
function step5b(word: string): string {
  return applyRuleList(word, [{ suffix: 'll', replacement: 'l', condition: () => measure(word.slice(0, -1)) > 1 }]);
}

/** The stem of `word`, exactly as NLTK 3.8's `PorterStemmer().stem(word)` (lower-cases first). */
export function porterStem(word: string): string {
  const lower = word.toLowerCase();
  const irregular = POOL.get(word);
  if (irregular !== undefined) return irregular;
  // NLTK (and Martin): one- and two-letter words are not stemmed.
  if (word.length <= 2) return lower;
  let s = step1a(lower);
  s = step1b(s);
  s = step1c(s);
  s = step2(s);
  s = applyRuleList(s, STEP3);
  s = applyRuleList(s, STEP4);
  s = step5a(s);
  return step5b(s);
}
