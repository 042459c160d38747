/**
 * The Unigram model of Hugging Face tokenizers (SentencePiece unigram: XLM-RoBERTa), as its
 * `encode_optimized` runs it: a Viterbi pass over the word, where at each character boundary
 * every vocabulary piece that starts there (shortest first) may extend the best path (a later
 * candidate wins only with a strictly higher score); a character no single-character piece
 * covers becomes the unknown piece with score `min_score − 10`. Adjacent unknown pieces are
 * fused into one, and pieces map to ids (unknown text to `unk_id`).
 */
const UNK_PENALTY = 10;

export class Unigram {
  private readonly pieces: Map<string, { id: number; score: number }>;
  private readonly maxPieceLength: number;
  private readonly unkScore: number;
  private readonly cache = new Map<string, readonly number[]>();

  constructor(vocab: readonly (readonly [string, number])[], private readonly unkId: number) {
    if (!(unkId >= 0 && unkId < vocab.length)) throw new Error(`unk_id ${unkId} is outside the vocabulary (${vocab.length} pieces)`);
    this.pieces = new Map();
    let min = Infinity;
    let maxLen = 0;
    vocab.forEach(([piece, score], id) => {
      if (!this.pieces.has(piece)) this.pieces.set(piece, { id, score });
      min = Math.min(min, score);
      maxLen = Math.max(maxLen, piece.length);
    });
    this.unkScore = min - UNK_PENALTY;
    this.maxPieceLength = maxLen;
  }

  /** Append the ids of one pre-tokenized word to `out`. */
  encodeWord(word: string, out: number[]): void {
    if (word.length === 0) return;
    let ids = this.cache.get(word);
    if (ids === undefined) {
      ids = this.viterbi(word);
      if (this.cache.size >= 100_000) this.cache.clear();
      this.cache.set(word, ids);
    }
    for (const id of ids) out.push(id);
  }

  private viterbi(s: string): number[] {
    const n = s.length;
    // Best path ending at UTF-16 index i: score, where its last piece starts, its id.
    const score = new Float64Array(n + 1);
    const from = new Int32Array(n + 1).fill(-1);
    const ids = new Int32Array(n + 1);
    for (let start = 0; start < n; ) {
      const charLen = s.codePointAt(start)! > 0xffff ? 2 : 1;
      const base = score[start]!;
      let single = false;
      for (let end = start + 1; end <= n && end - start <= this.maxPieceLength; end++) {
        if (end < n && isLowSurrogate(s.charCodeAt(end))) continue; // not a character boundary
        const p = this.pieces.get(s.slice(start, end));
        if (p === undefined) continue;
        const cand = base + p.score;
        if (from[end] === -1 || cand > score[end]!) {
          score[end] = cand;
          from[end] = start;
          ids[end] = p.id;
        }
        if (end - start === charLen) single = true;
      }
      if (!single) {
        const end = start + charLen;
        const cand = base + this.unkScore;
        if (from[end] === -1 || cand > score[end]!) {
          score[end] = cand;
          from[end] = start;
          ids[end] = this.unkId;
        }
      }
      start += charLen;
    }
    // Walk back; runs of unknown pieces become one piece, looked up again as a whole.
    const pieceIds: number[] = [];
    let unk = '';
    for (let end = n; end > 0; ) {
      const start = from[end]!;
      const text = s.slice(start, end);
      if (ids[end] === this.unkId) unk = text + unk;
      else {
        if (unk !== '') {
          pieceIds.push(this.pieces.get(unk)?.id ?? this.unkId);
          unk = '';
        }
        pieceIds.push(ids[end]!);
      }
      end = start;
    }
    if (unk !== '') pieceIds.push(this.pieces.get(unk)?.id ?? this.unkId);
    return pieceIds.reverse();
  }
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
