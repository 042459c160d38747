/**
 * The WordPiece model of Hugging Face tokenizers (BERT, DistilBERT): a word is split greedily
 * into the longest vocabulary pieces from the left, pieces after the first carrying the
 * continuing-subword prefix (`##`); a word with a part no piece covers, or longer than
 * `max_input_chars_per_word` characters, becomes the unknown token.
 */
export class WordPiece {
  private readonly cache = new Map<string, readonly number[]>();

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    private readonly unkId: number,
    private readonly prefix = '##',
    private readonly maxInputCharsPerWord = 100,
  ) {}

  /** Append the ids of one pre-tokenized word to `out`. */
  encodeWord(word: string, out: number[]): void {
    let ids = this.cache.get(word);
    if (ids === undefined) {
      ids = this.split(word);
      if (this.cache.size >= 100_000) this.cache.clear();
      this.cache.set(word, ids);
    }
    for (const id of ids) out.push(id);
  }

  private split(word: string): number[] {
    const chars = Array.from(word);
    if (chars.length > this.maxInputCharsPerWord) return [this.unkId];
    const ids: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const piece = (start > 0 ? this.prefix : '') + chars.slice(start, end).join('');
        found = this.vocab.get(piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unkId];
      ids.push(found);
      start = end;
    }
    return ids;
  }
}
