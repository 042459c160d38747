/**
 * From generated token ids to the text a client sees, one token at a time:
 *
 * - `IncrementalDecoder` emits text only at character boundaries: while the bytes of the ids seen
 *   so far end inside a UTF-8 character (`Tokenizer.endsInsideCharacter`), it holds them back.
 *   Special tokens are skipped (as `decode(ids, {skipSpecialTokens: true})`), so the pieces it
 *   emits add up to exactly `decode(allIds, {skipSpecialTokens: true})` — invalid byte sequences
 *   included (U+FFFD), for byte-level tokenizers that do not clean up spaces (Qwen, Llama-3).
 *   Ids the tokenizer has no token for (a model's embedding padded past the tokenizer) add no
 *   bytes and no text, in `decode` and `endsInsideCharacter` alike, so a sampled padding id
 *   fails nothing.
 * - `StopMatcher` cuts the text at the first stop string: it holds back any tail that could be
 *   the start of one, never emits a stop string, and says when one matched.
 */
import type { Tokenizer } from '../../models/tokenizer/index.js';

export class IncrementalDecoder {
  /** Ids not yet turned into text (they start at a character boundary). */
  private pending: number[] = [];

  constructor(private readonly tokenizer: Tokenizer) {}

  /** Text that `id` completes ('' while a character is still open, or for a special token). */
  push(id: number): string {
    if (this.tokenizer.isSpecial(id)) return '';
    this.pending.push(id);
    if (this.tokenizer.endsInsideCharacter(this.pending)) return '';
    return this.flush();
  }

  /** Whatever is held back (an unfinished character decodes to U+FFFD). */
  flush(): string {
    if (this.pending.length === 0) return '';
    const text = this.tokenizer.decode(this.pending, { skipSpecialTokens: true });
    this.pending = [];
    return text;
  }
}

export class StopMatcher {
  private held = '';
  private readonly stops: readonly string[];
  private readonly longest: number;

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
    this.longest = Math.max(0, ...this.stops.map((s) => s.length));
  }

  /** Add text; `emit` is what can be shown now, `stopped` whether a stop string just matched. */
  push(text: string): { emit: string; stopped: boolean } {
    if (this.stops.length === 0) return { emit: text, stopped: false };
    const buf = this.held + text;
    let cut = -1;
    for (const s of this.stops) {
      const i = buf.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      this.held = '';
      return { emit: buf.slice(0, cut), stopped: true };
    }
    // Hold back the longest tail that is a proper prefix of some stop string.
    let keep = 0;
    for (let k = Math.min(this.longest - 1, buf.length); k > 0; k--) {
      const tail = buf.slice(buf.length - k);
      if (this.stops.some((s) => s.startsWith(tail))) {
        keep = k;
        break;
      }
    }
    // Never split a surrogate pair between what is emitted and what is held.
    if (keep > 0 && keep < buf.length && isHighSurrogate(buf.charCodeAt(buf.length - keep - 1))) keep++;
    this.held = buf.slice(buf.length - keep);
    return { emit: buf.slice(0, buf.length - keep), stopped: false };
  }

  /** The held-back tail, at the end of generation (no stop string matched). */
  flush(): string {
    const t = this.held;
    this.held = '';
    return t;
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** Token ids in, displayable text deltas out, stop strings applied. */
export class TextStream {
  private readonly decoder: IncrementalDecoder;
  private readonly matcher: StopMatcher;
  private text = '';
  private stoppedFlag = false;

  constructor(tokenizer: Tokenizer, stops: readonly string[]) {
    this.decoder = new IncrementalDecoder(tokenizer);
    this.matcher = new StopMatcher(stops);
  }

  /** Whether a stop string matched (the text ends before it). */
  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** All text emitted so far. */
  get full(): string {
    return this.text;
  }

  /** Feed one token: the text to send now (possibly ''). After a stop, everything is ignored. */
  push(id: number): string {
    if (this.stoppedFlag) return '';
    const { emit, stopped } = this.matcher.push(this.decoder.push(id));
    this.stoppedFlag = stopped;
    this.text += emit;
    return emit;
  }

  /** End of generation (not by a stop string): the rest of the text. */
  finish(): string {
    if (this.stoppedFlag) return '';
    const { emit, stopped } = this.matcher.push(this.decoder.flush());
    this.stoppedFlag = stopped;
    const rest = stopped ? emit : emit + this.matcher.flush();
    this.text += rest;
    return rest;
  }
}
