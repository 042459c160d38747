/**
 * Continuous batching: a `GenerationBackend` over a `StepModel`. Requests that arrive together,
 * or while others are running, join the next step; a sequence that ends frees its slot at once.
 *
 * The loop, one iteration after another while anything is queued or running:
 *   1. yield to the event loop (new requests, aborts and streamed chunks get through), again and
 *      again while new requests keep arriving: Node accepts one new connection per event-loop
 *      iteration, so when the model calls are synchronous a burst of new clients would otherwise
 *      join one per step;
 *   2. admit queued requests in arrival order into free slots — at most `maxBatch` running, and
 *      at most `maxPrefillTokens` prompt tokens per step (one prompt is always admitted) — and
 *      prefill them in one `prefill` call;
 *   3. one `decode` call for every running sequence (the ones just prefilled included).
 * Running sequences are never preempted and each gets one token per step, so a long generation
 * cannot starve the others; the queue is first come, first served.
 */
import { randomInt } from 'node:crypto';
import type { Tokenizer } from '../../models/tokenizer/index.js';
import { errorMessage } from '../../util/errors.js';
import { silentLogger, type Logger } from '../../util/log.js';
import {
  GenerationError,
  type BackendStats,
  type FinishReason,
  type GenerationBackend,
  type GenerationRequest,
  type GenerationResult,
  type SamplingParams,
  type TokenCallback,
} from './backend.js';
import type { StepModel } from './step-model.js';

export interface BatchSchedulerOptions {
  /** Reported as `GenerationBackend.modelId`. */
  modelId: string;
  tokenizer: Tokenizer;
  /** Sequences running together at most (default and maximum: the model's `maxSlots`); 1 turns batching off. */
  maxBatch?: number;
  /** Requests allowed to wait for a slot; one more is refused as `overloaded` (default 1024). */
  maxWaiting?: number;
  /** Prompt tokens prefilled in one step at most; one prompt is always admitted (default 16384). */
  maxPrefillTokens?: number;
  logger?: Logger;
  /** Seed for requests that give none (default: crypto random in [0, 2^48)). */
  randomSeed?: () => number;
  /** Passed on as `GenerationBackend.defaultSampling` (the model's generation_config.json). */
  defaultSampling?: Partial<Omit<SamplingParams, 'seed'>>;
}

interface Sequence {
  readonly request: GenerationRequest;
  readonly onToken: TokenCallback | undefined;
  readonly sampling: SamplingParams;
  readonly completion: number[];
  readonly resolve: (r: GenerationResult) => void;
  readonly reject: (e: unknown) => void;
  readonly removeAbortListener: () => void;
  state: 'waiting' | 'running' | 'done';
  slot: number;
  /** Aborted while a model call was in flight: end it when the call returns. */
  abortRequested: boolean;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Event-loop turns without a new request after which the scheduler stops yielding and steps. */
const QUIET_TURNS = 2;

export class BatchScheduler implements GenerationBackend {
  readonly modelId: string;
  readonly tokenizer: Tokenizer;
  readonly maxContextTokens: number;
  readonly maxBatch: number;
  readonly defaultSampling: Partial<Omit<SamplingParams, 'seed'>> | undefined;
  private readonly maxWaiting: number;
  private readonly maxPrefillTokens: number;
  private readonly logger: Logger;
  private readonly randomSeed: () => number;
  private readonly eos: ReadonlySet<number>;

  private readonly waiting: Sequence[] = [];
  private readonly running = new Map<number, Sequence>();
  /** Free slots, kept sorted so the lowest is taken first (deterministic slot use). */
  private readonly freeSlots: number[];
  private loop: Promise<void> | undefined;
  private inCall = false;
  private closing = false;
  private counters = { prefillSteps: 0, decodeSteps: 0, generatedTokens: 0 };
  /** Requests queued so far (to see whether a turn of the event loop brought new ones). */
  private submitted = 0;

  constructor(
    private readonly model: StepModel,
    options: BatchSchedulerOptions,
  ) {
    const maxBatch = options.maxBatch ?? model.maxSlots;
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > model.maxSlots) {
      throw new GenerationError('invalid', `maxBatch must be an integer in [1, ${model.maxSlots}] (the model's slots), got ${maxBatch}`);
    }
    this.modelId = options.modelId;
    this.tokenizer = options.tokenizer;
    this.maxContextTokens = model.maxContextTokens;
    this.maxBatch = maxBatch;
    this.defaultSampling = options.defaultSampling;
    this.maxWaiting = options.maxWaiting ?? 1024;
    this.maxPrefillTokens = options.maxPrefillTokens ?? 16384;
    this.logger = options.logger ?? silentLogger;
    this.randomSeed = options.randomSeed ?? (() => randomInt(0, 2 ** 48 - 1));
    this.eos = new Set(model.eosTokenIds);
    this.freeSlots = Array.from({ length: maxBatch }, (_, i) => i);
  }

  stats(): BackendStats {
    return { running: this.running.size, waiting: this.waiting.length, ...this.counters };
  }

  submit(request: GenerationRequest, onToken?: TokenCallback): Promise<GenerationResult> {
    const p = request.promptIds.length;
    if (this.closing) throw new GenerationError('closed', 'the server is shutting down');
    if (p === 0) throw new GenerationError('invalid', 'the prompt has no tokens');
    if (!Number.isInteger(request.maxNewTokens) || request.maxNewTokens < 1) {
      throw new GenerationError('invalid', `maxNewTokens must be an integer ≥ 1, got ${request.maxNewTokens}`);
    }
    if (p >= this.maxContextTokens) {
      throw new GenerationError('context', `the prompt has ${p} tokens; the model's context is ${this.maxContextTokens} tokens, which leaves no room to generate`);
    }
    const vocab = this.tokenizer.vocabSize;
    for (const id of request.promptIds) {
      if (!Number.isInteger(id) || id < 0 || id >= vocab) {
        throw new GenerationError('invalid', `prompt token id ${id} is outside the vocabulary (0 … ${vocab - 1})`);
      }
    }
    if (this.waiting.length >= this.maxWaiting) {
      throw new GenerationError('overloaded', `${this.waiting.length} requests are already waiting; try again shortly`);
    }
    if (request.signal?.aborted) return Promise.resolve({ completionIds: [], finishReason: 'abort' });
    const sampling: SamplingParams = { ...request.sampling, seed: request.sampling.seed ?? this.randomSeed() };
    return new Promise<GenerationResult>((resolve, reject) => {
      const signal = request.signal;
      const onAbort = (): void => this.abort(seq);
      signal?.addEventListener('abort', onAbort, { once: true });
      const seq: Sequence = {
        request,
        onToken,
        sampling,
        completion: [],
        resolve,
        reject,
        removeAbortListener: () => signal?.removeEventListener('abort', onAbort),
        state: 'waiting',
        slot: -1,
        abortRequested: false,
      };
      this.waiting.push(seq);
      this.submitted++;
      this.wake();
    });
  }

  async close(options: { abort?: boolean } = {}): Promise<void> {
    this.closing = true;
    if (options.abort) {
      for (const s of [...this.waiting]) this.abort(s);
      for (const s of [...this.running.values()]) this.abort(s);
    }
    while (this.loop !== undefined) await this.loop;
  }

  private wake(): void {
    if (this.loop !== undefined) return;
    this.loop = this.run().catch((e: unknown) => {
      // Not expected (model and callback errors are handled per call); never leave requests hanging.
      this.logger.error(`the scheduler stopped on an internal error: ${errorMessage(e)}`);
      const err = new GenerationError('model', `internal scheduler error: ${errorMessage(e)}`, { cause: e });
      for (const s of [...this.waiting.splice(0), ...this.running.values()]) this.end(s, err);
    }).finally(() => {
      this.loop = undefined;
      // Work that arrived while the loop was finishing.
      if (this.waiting.length > 0 || this.running.size > 0) this.wake();
    });
  }

  private async run(): Promise<void> {
    while (this.waiting.length > 0 || this.running.size > 0) {
      await this.yieldWhileArriving();
      const admitted = this.admit();
      if (admitted.length > 0) await this.prefill(admitted);
      const decoding = [...this.running.values()];
      if (decoding.length > 0) await this.decode(decoding);
    }
  }

  /**
   * Yield to the event loop at least once, then until QUIET_TURNS turns in a row bring no new
   * request or the queue fills the free slots (an idle turn costs microseconds). A burst of
   * clients on new connections — one accepted per turn — then joins the same step instead of one
   * per step.
   */
  private async yieldWhileArriving(): Promise<void> {
    let quiet = 0;
    do {
      const before = this.submitted;
      await yieldToEventLoop();
      quiet = this.submitted === before ? quiet + 1 : 0;
    } while (quiet < QUIET_TURNS && this.waiting.length < this.freeSlots.length);
  }

  /** Move queued requests into free slots, first come first served. */
  private admit(): Sequence[] {
    const admitted: Sequence[] = [];
    let tokens = 0;
    while (this.waiting.length > 0 && this.freeSlots.length > 0) {
      const next = this.waiting[0]!;
      const p = next.request.promptIds.length;
      if (admitted.length > 0 && tokens + p > this.maxPrefillTokens) break;
      this.waiting.shift();
      next.slot = this.freeSlots.shift()!;
      next.state = 'running';
      this.running.set(next.slot, next);
      admitted.push(next);
      tokens += p;
    }
    return admitted;
  }

  private async prefill(seqs: Sequence[]): Promise<void> {
    this.counters.prefillSteps++;
    const inputs = seqs.map((s) => ({ slot: s.slot, promptIds: s.request.promptIds, sampling: s.sampling }));
    await this.call(seqs, () => this.model.prefill(inputs));
  }

  private async decode(seqs: Sequence[]): Promise<void> {
    this.counters.decodeSteps++;
    const inputs = seqs.map((s) => ({
      slot: s.slot,
      token: s.completion[s.completion.length - 1]!,
      position: s.request.promptIds.length + s.completion.length - 1,
    }));
    await this.call(seqs, () => this.model.decode(inputs));
  }

  /** Run one model call for `seqs` and hand each its token; a failure fails them all. */
  private async call(seqs: Sequence[], fn: () => Promise<readonly number[]>): Promise<void> {
    let out: readonly number[];
    this.inCall = true;
    try {
      out = await fn();
      if (out.length !== seqs.length) throw new Error(`the model returned ${out.length} tokens for ${seqs.length} sequences`);
    } catch (e) {
      this.inCall = false;
      this.logger.error(`generation step failed for ${seqs.length} sequence(s): ${errorMessage(e)}`);
      const err = new GenerationError('model', `the model failed: ${errorMessage(e)}`, { cause: e });
      for (const s of seqs) this.end(s, err);
      this.endAbortedRunning();
      return;
    }
    this.inCall = false;
    for (let i = 0; i < seqs.length; i++) this.accept(seqs[i]!, out[i]!);
    this.endAbortedRunning();
  }

  private accept(s: Sequence, token: number): void {
    if (s.state !== 'running') return;
    if (s.abortRequested) {
      this.end(s, 'abort');
      return;
    }
    s.completion.push(token);
    this.counters.generatedTokens++;
    if (this.eos.has(token)) {
      this.end(s, 'eos');
      return;
    }
    let answer: void | 'stop';
    try {
      answer = s.onToken?.(token);
    } catch (e) {
      this.end(s, e);
      return;
    }
    if (answer === 'stop') this.end(s, 'stop');
    else if (s.completion.length >= s.request.maxNewTokens || s.request.promptIds.length + s.completion.length >= this.maxContextTokens) {
      this.end(s, 'length');
    }
  }

  private abort(s: Sequence): void {
    if (s.state === 'waiting') {
      const i = this.waiting.indexOf(s);
      if (i >= 0) this.waiting.splice(i, 1);
      this.end(s, 'abort');
    } else if (s.state === 'running') {
      if (this.inCall) s.abortRequested = true;
      else this.end(s, 'abort');
    }
  }

  private endAbortedRunning(): void {
    for (const s of [...this.running.values()]) if (s.abortRequested) this.end(s, 'abort');
  }

  /** Finish a sequence with a reason (resolve) or an error (reject), freeing its slot. */
  private end(s: Sequence, outcome: FinishReason | unknown): void {
    if (s.state === 'done') return;
    if (s.state === 'running') {
      this.running.delete(s.slot);
      try {
        this.model.release(s.slot);
      } catch (e) {
        this.logger.error(`releasing slot ${s.slot} failed: ${errorMessage(e)}`);
      }
      const at = this.freeSlots.findIndex((x) => x > s.slot);
      this.freeSlots.splice(at < 0 ? this.freeSlots.length : at, 0, s.slot);
    }
    s.state = 'done';
    s.removeAbortListener();
    if (outcome === 'eos' || outcome === 'length' || outcome === 'stop' || outcome === 'abort') {
      s.resolve({ completionIds: s.completion, finishReason: outcome });
    } else {
      s.reject(outcome);
    }
  }
}
