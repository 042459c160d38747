/**
 * Pre-tokenization: split text into the words that BPE then encodes separately. Supports the
 * `Split` (regex, `Isolated`) + `ByteLevel` (use_regex false) sequence of Qwen2/Llama-3, and a
 * bare `ByteLevel` with GPT-2's regex.
 *
 * Hugging Face tokenizers runs these patterns with Oniguruma; JavaScript's RegExp (`u` flag) is
 * made to match the same: `\s`/`\S` become `\p{White_Space}`/`\P{White_Space}` (Oniguruma's
 * Unicode `\s`, which excludes U+FEFF that JavaScript's `\s` includes and includes U+0085 that
 * it excludes), and scoped case-insensitive groups `(?i:...)`, which Node 20 lacks, are spelled
 * out as character classes.
 */

/** GPT-2's pattern, used by `ByteLevel` with `use_regex: true`. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** Translate an Oniguruma pattern of the kind tokenizers use into a JavaScript one (u flag). */
export function toJsPattern(pattern: string): string {
  let out = '';
  let i = 0;
  const ci: boolean[] = []; // per open group: is it case-insensitive?
  let insensitive = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const d = pattern[i + 1];
      if (d === 's') out += '\\p{White_Space}';
      else if (d === 'S') out += '\\P{White_Space}';
      else if (d === 'p' || d === 'P') {
        const end = pattern.indexOf('}', i);
        out += pattern.slice(i, end + 1);
        i = end + 1;
        continue;
      } else out += c + (d ?? '');
      i += 2;
      continue;
    }
    if (pattern.startsWith('(?i:', i)) {
      out += '(?:';
      ci.push(true);
      insensitive++;
      i += 4;
      continue;
    }
    if (c === '(') {
      ci.push(false);
    } else if (c === ')') {
      if (ci.pop()) insensitive--;
    } else if (c === '[') {
      // Copy a character class as is (with \s translated); letters inside stay as written.
      let j = i + 1;
      let cls = '[';
      if (pattern[j] === '^') {
        cls += '^';
        j++;
      }
      if (pattern[j] === ']') {
        cls += ']';
        j++;
      }
      while (j < pattern.length && pattern[j] !== ']') {
        if (pattern[j] === '\\') {
          const d = pattern[j + 1];
          if (d === 's') cls += '\\p{White_Space}';
          else if (d === 'S') cls += '\\P{White_Space}';
          else if (d === 'p' || d === 'P') {
            const end = pattern.indexOf('}', j);
            cls += pattern.slice(j, end + 1);
            j = end + 1;
            continue;
          } else cls += `\\${d ?? ''}`;
          j += 2;
        } else cls += pattern[j++];
      }
      out += `${cls}]`;
      i = j + 1;
      continue;
    }
    if (insensitive > 0 && /[a-zA-Z]/.test(c)) {
      out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
    } else {
      out += c;
    }
    i++;
  }
  return out;
}

/**
 * A regex splitter with `Isolated` behaviour: every match is a word, and so is every stretch of
 * text between matches.
 */
export class RegexSplitter {
  private readonly re: RegExp;
  private readonly sticky: RegExp;

  constructor(readonly pattern: string) {
    const js = toJsPattern(pattern);
    this.re = new RegExp(js, 'gu');
    this.sticky = new RegExp(js, 'uy');
  }

  /** Call `emit(word)` for each word of `text`, in order. */
  split(text: string, emit: (word: string) => void): void {
    const re = this.re;
    re.lastIndex = 0;
    let last = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const s = m.index;
      const w = m[0];
      if (w.length === 0) {
        re.lastIndex++;
        continue;
      }
      if (s > last) emit(text.slice(last, s));
      emit(w);
      last = s + w.length;
    }
    if (last < text.length) emit(text.slice(last));
  }

  /** Where the last word of `text` starts, and whether it is a match (not text between matches). */
  lastWord(text: string): { start: number; isMatch: boolean } {
    let start = 0;
    let isMatch = false;
    const re = this.re;
    re.lastIndex = 0;
    let last = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      start = m.index;
      isMatch = true;
      last = m.index + m[0].length;
    }
    if (last < text.length) return { start: last, isMatch: false };
    return { start, isMatch };
  }

  /** Length of the match at `pos` (0 when none): for checking word boundaries. */
  matchAt(text: string, pos: number): number {
    this.sticky.lastIndex = pos;
    const m = this.sticky.exec(text);
    return m === null ? 0 : m[0].length;
  }
}
