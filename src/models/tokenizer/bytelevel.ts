/**
 * GPT-2's byte-level alphabet: each of the 256 byte values is shown as one printable Unicode
 * character (printable Latin-1 bytes stand for themselves, the others map to U+0100 upwards),
 * so that BPE can work on strings. Same table as `bytes_to_unicode` in Hugging Face tokenizers.
 */
function buildByteToChar(): string[] {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const out = new Array<string>(256);
  const kept = new Set(keep);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    out[b] = kept.has(b) ? String.fromCharCode(b) : String.fromCharCode(256 + n++);
  }
  return out;
}

/** `BYTE_TO_CHAR[b]`: the character standing for byte b. */
export const BYTE_TO_CHAR: readonly string[] = Object.freeze(buildByteToChar());

/** The inverse: character code → byte value, or -1 for characters outside the alphabet. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const t = new Int16Array(512).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => {
    t[c.charCodeAt(0)] = b;
  });
  return t;
})();

/** Bytes of a byte-level token string (characters outside the alphabet are an error). */
export function byteLevelToBytes(token: string, out: number[]): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const b = c < 512 ? CHAR_TO_BYTE[c]! : -1;
    if (b < 0) return false;
    out.push(b);
  }
  return true;
}
