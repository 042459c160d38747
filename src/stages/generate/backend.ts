/**
 * What the server (and any other caller) needs from a text generator: submit token ids, get
 * token ids back one by one. `BatchScheduler` implements it over a `StepModel` with continuous
 * batching; a loaded Qwen2 model is served through it.
 *
 * Privacy: requests carry token ids only; implementations never log them.
 */
import type { Tokenizer } from '../../models/tokenizer/index.js';

/** How the next token is chosen. */
export interface SamplingParams {
  /** 0 means greedy (argmax); otherwise logits are divided by it before softmax. */
  temperature: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probabilities add up to topP (0 < topP ≤ 1; 1 = off). */
  topP: number;
  /** Keep only the topK most likely tokens (0 = off). */
  topK: number;
  /**
   * > 1 penalises every token already in the sequence, prompt included (transformers'
   * RepetitionPenaltyLogitsProcessor, applied in greedy decoding too); 1 or absent = off.
   */
  repetitionPenalty?: number;
  /**
   * Seed of this sequence's own random generator. With the same seed, prompt and parameters a
   * sequence gives the same tokens whatever else is in the batch. Always set by the time a
   * `StepModel` sees it (the scheduler draws one when the request gave none).
   */
  seed: number;
}

export interface GenerationRequest {
  /** The prompt, already tokenized (chat template applied); at least one id. */
  promptIds: readonly number[];
  /** Most tokens to generate (≥ 1); generation also stops at the context length. */
  maxNewTokens: number;
  /** Sampling; `seed` may be left out (a random one is drawn). */
  sampling: Omit<SamplingParams, 'seed'> & { seed?: number };
  /** Aborting ends the generation: it leaves the queue, or frees its slot after the current step. */
  signal?: AbortSignal;
}

/**
 * Why a generation ended: `eos` (an end-of-sequence token: counted in `completionIds`, never
 * passed to `onToken`), `length` (maxNewTokens or the context length reached), `stop` (the
 * `onToken` callback answered 'stop'), `abort` (the request's signal).
 */
export type FinishReason = 'eos' | 'length' | 'stop' | 'abort';

export interface GenerationResult {
  /** Every token generated, the end-of-sequence token included when there was one. */
  completionIds: number[];
  finishReason: FinishReason;
}

/**
 * Called with each generated token (not the end-of-sequence token), in order, as soon as its step
 * is done. Answer 'stop' to end the generation right after this token (stop strings). It must be
 * quick and must not throw (a throw ends this generation with that error).
 */
export type TokenCallback = (tokenId: number) => void | 'stop';

/** Load figures, for /health, logs and tests. */
export interface BackendStats {
  /** Sequences holding a slot (prefilled or decoding). */
  running: number;
  /** Requests queued for a slot. */
  waiting: number;
  /** Model calls so far. */
  prefillSteps: number;
  decodeSteps: number;
  /** Tokens generated so far (all requests). */
  generatedTokens: number;
}

export interface GenerationBackend {
  /** Name of the model (e.g. its folder's name); the server may serve it under another name. */
  readonly modelId: string;
  readonly tokenizer: Tokenizer;
  /** Prompt plus generated tokens must fit in this many positions. */
  readonly maxContextTokens: number;
  /**
   * Start a generation. Throws a `GenerationError` at once (before returning) when the request is
   * refused: closed, queue full, prompt too long, malformed. The promise resolves when the
   * sequence ends (see `FinishReason`) and rejects only when generation itself failed (a
   * `GenerationError` of kind `model`, or the error `onToken` threw).
   */
  submit(request: GenerationRequest, onToken?: TokenCallback): Promise<GenerationResult>;
  /**
   * Sampling defaults of the model (generation_config.json), used for what a request leaves out;
   * the server falls back to OpenAI's (temperature 1, top_p 1, no top-k) without them.
   */
  readonly defaultSampling?: Partial<Omit<SamplingParams, 'seed'>>;
  stats(): BackendStats;
  /**
   * Stop accepting requests; let running and queued ones finish, or end them at once when
   * `abort` is true (they resolve with 'abort'). Resolves when nothing is left; idempotent.
   */
  close(options?: { abort?: boolean }): Promise<void>;
}

/** Why a backend refused or failed a request (defined with generation, layer 2). */
export { GenerationError, type GenerationErrorKind } from '../../models/generation/index.js';
