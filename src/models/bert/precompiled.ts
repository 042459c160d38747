/**
 * SentencePiece's precompiled normalizer (the `Precompiled` normalizer of tokenizers.json, e.g.
 * XLM-RoBERTa's nmt_nfkc rules), as the `spm_precompiled` crate that Hugging Face tokenizers
 * uses applies it.
 *
 * The charsmap blob: a little-endian u32 byte size of a darts-clone double array, the array
 * (u32 units), then the replacement strings, each NUL-terminated. A trie match gives the offset
 * of its replacement. Text is normalized per extended grapheme cluster: a cluster shorter than 6
 * UTF-8 bytes is looked up whole (the first — shortest — trie match covering its start wins,
 * replacing the whole cluster); otherwise, or without a match, character by character.
 */
const utf8 = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly normalized: Uint8Array;
  private readonly segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });

  /** Throws an Error describing what is malformed. */
  constructor(blob: Uint8Array) {
    if (blob.length < 4) throw new Error('precompiled_charsmap is shorter than its 4-byte header');
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieBytes = view.getUint32(0, true);
    if (trieBytes % 4 !== 0 || 4 + trieBytes > blob.length) throw new Error(`precompiled_charsmap announces a ${trieBytes}-byte trie that does not fit`);
    this.units = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + 4 * i, true);
    this.normalized = blob.subarray(4 + trieBytes);
  }

  /** Replacement offsets of every trie key that is a prefix of `key`, shortest first. */
  private prefixMatches(key: Uint8Array): number[] {
    const u = this.units;
    const results: number[] = [];
    if (u.length === 0) return results;
    let pos = 0;
    pos ^= offset(u[0]!);
    for (const c of key) {
      if (c === 0) break;
      pos ^= c;
      if (pos >= u.length) return results;
      const unit = u[pos]!;
      if (label(unit) !== c) return results;
      pos ^= offset(unit);
      if (hasLeaf(unit)) {
        if (pos >= u.length) return results;
        results.push(value(u[pos]!));
      }
    }
    return results;
  }

  /** The replacement for `chunk`, or undefined. */
  private transform(chunk: string): string | undefined {
    const matches = this.prefixMatches(utf8.encode(chunk));
    if (matches.length === 0) return undefined;
    const start = matches[0]!;
    let end = start;
    while (end < this.normalized.length && this.normalized[end] !== 0) end++;
    return decoder.decode(this.normalized.subarray(start, end));
  }

  normalize(text: string): string {
    let out = '';
    for (const { segment } of this.segmenter.segment(text)) {
      if (utf8.encode(segment).length < 6) {
        const whole = this.transform(segment);
        if (whole !== undefined) {
          out += whole;
          continue;
        }
      }
      for (const c of segment) out += this.transform(c) ?? c;
    }
    return out;
  }
}

// darts-clone unit fields
function offset(unit: number): number {
  return ((unit >>> 10) << ((unit & (1 << 9)) >>> 6)) >>> 0;
}
function label(unit: number): number {
  return (unit & ((1 << 31) | 0xff)) >>> 0;
}
function value(unit: number): number {
  return unit & 0x7fffffff;
}
function hasLeaf(unit: number): boolean {
  return ((unit >>> 8) & 1) === 1;
}
