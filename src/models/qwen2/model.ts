/**
 * Qwen2 causal language model, exactly as transformers' `modeling_qwen2.py`, one class per block
 * read top-down (nanoGPT): Qwen2RMSNorm, Qwen2Attention, Qwen2MLP, Qwen2DecoderLayer, Qwen2Model,
 * Qwen2ForCausalLM. Parameters are registered by path under the Hugging Face safetensors names
 * (`model.layers.0.self_attn.q_proj.weight`, …), so a checkpoint loads by walking the names.
 *
 * Training: `forward(input)` computes logits only at `input.logitsAt` (the supervised positions)
 * — never the full (B·T, vocab) matrix unless asked — and `lossAndBackward(input, lossFn,
 * {checkpoint})` runs forward and backward, optionally recomputing each decoder layer in the
 * backward pass (activation checkpointing). Generation: `forwardCached(input, cache)` with a
 * `KVCache`.
 */
import {
  arange,
  checkpointedBackward,
  empty,
  embedding,
  inferenceMode,
  linear,
  rmsNorm,
  scaledDotProductAttention,
  tensor,
  tidy,
  type Device,
  type FloatDType,
  type RandomGenerator,
  type Tensor,
} from '../../engine/index.js';
import { KVCache, type StepContext } from '../generation/kv-cache.js';
import { Linear } from '../hf/modules.js';
import { ParamPath, disposeParams, type Param } from '../hf/params.js';
import type { Qwen2Config } from './config.js';
import { applyRope, ropeCosSin, ropeInvFreq } from './rope.js';

/** A batch for the training (or scoring) forward. */
export interface CausalLMInput {
  /** (B, T) int64 token ids. */
  inputIds: Tensor;
  /**
   * (B, T) int64 positions. Default: from `attentionMask` as transformers derives them
   * (`cumsum(mask) − 1`, 0 at padding), so left and right padding both work; else 0 … T−1.
   */
  positions?: Tensor;
  /** (B, T) bool, true at real tokens, false at padding. Default: every token is real. */
  attentionMask?: Tensor;
  /**
   * (N) int64 flat indices `b·T + t` of the positions whose logits are wanted (the supervised
   * ones, i.e. the positions t whose label at t + 1 is not ignored). Default: all (B, T, V).
   */
  logitsAt?: Tensor;
}

export interface CausalLMOutput {
  /** (N, V) at `logitsAt`, else (B, T, V). */
  logits: Tensor;
  /** (B, T, C): the final hidden states (after the last norm), when `returnHidden` was asked. */
  hidden?: Tensor;
}

/** What each decoder layer needs besides its input: rotary tables and the attention mask. */
export interface LayerContext {
  cos: Tensor;
  sin: Tensor;
  causal: boolean;
  keyPadding: Tensor | undefined;
  cache: KVCache | undefined;
}

export class Qwen2RMSNorm {
  readonly weight: Param;
  readonly eps: number;

  constructor(p: ParamPath, size: number, eps: number) {
    this.weight = p.param('weight', [size]);
    this.eps = eps;
  }

  /** Normalised in float32 for half-precision inputs, cast back, then scaled (HF Qwen2RMSNorm). */
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight.value, this.eps);
  }
}

export class Qwen2Attention {
  readonly qProj: Linear;
  readonly kProj: Linear;
  readonly vProj: Linear;
  readonly oProj: Linear;
  readonly layerIdx: number;
  readonly #c: Qwen2Config;
  training = false;

  constructor(p: ParamPath, c: Qwen2Config, layerIdx: number) {
    this.#c = c;
    this.layerIdx = layerIdx;
    this.qProj = new Linear(p.sub('q_proj'), c.hiddenSize, c.qSize);
    this.kProj = new Linear(p.sub('k_proj'), c.hiddenSize, c.kvSize);
    this.vProj = new Linear(p.sub('v_proj'), c.hiddenSize, c.kvSize);
    this.oProj = new Linear(p.sub('o_proj'), c.qSize, c.hiddenSize, { bias: false });
  }

  forward(x: Tensor, ctx: LayerContext): Tensor {
    const c = this.#c;
    const [B, T] = x.shape as [number, number, number];
    const heads = (t: Tensor, n: number): Tensor => t.view([B, T, n, c.headDim]).transpose(1, 2);
    const q = applyRope(heads(this.qProj.forward(x), c.numAttentionHeads), ctx.cos, ctx.sin); // (B, nh, T, hd)
    let k = applyRope(heads(this.kProj.forward(x), c.numKeyValueHeads), ctx.cos, ctx.sin); // (B, nkv, T, hd)
    let v = heads(this.vProj.forward(x), c.numKeyValueHeads); // (B, nkv, T, hd)
    if (ctx.cache !== undefined) ({ keys: k, values: v } = ctx.cache.write(this.layerIdx, k, v)); // (B, nkv, past + T, hd)
    const y = scaledDotProductAttention(q, k, v, {
      causal: ctx.causal,
      keyPadding: ctx.keyPadding,
      dropoutP: this.training ? c.attentionDropout : 0,
    }); // (B, nh, T, hd); GQA: each key/value head serves `groups` query heads
    return this.oProj.forward(y.transpose(1, 2).reshape([B, T, c.qSize]));
  }
}

export class Qwen2MLP {
  readonly gateProj: Linear;
  readonly upProj: Linear;
  readonly downProj: Linear;

  constructor(p: ParamPath, c: Qwen2Config) {
    this.gateProj = new Linear(p.sub('gate_proj'), c.hiddenSize, c.intermediateSize, { bias: false });
    this.upProj = new Linear(p.sub('up_proj'), c.hiddenSize, c.intermediateSize, { bias: false });
    this.downProj = new Linear(p.sub('down_proj'), c.intermediateSize, c.hiddenSize, { bias: false });
  }

  /** SwiGLU: down(silu(gate(x)) · up(x)). */
  forward(x: Tensor): Tensor {
    return this.downProj.forward(this.gateProj.forward(x).silu().mul(this.upProj.forward(x)));
  }
}

export class Qwen2DecoderLayer {
  readonly inputLayernorm: Qwen2RMSNorm;
  readonly selfAttn: Qwen2Attention;
  readonly postAttentionLayernorm: Qwen2RMSNorm;
  readonly mlp: Qwen2MLP;

  constructor(p: ParamPath, c: Qwen2Config, layerIdx: number) {
    this.inputLayernorm = new Qwen2RMSNorm(p.sub('input_layernorm'), c.hiddenSize, c.rmsNormEps);
    this.selfAttn = new Qwen2Attention(p.sub('self_attn'), c, layerIdx);
    this.postAttentionLayernorm = new Qwen2RMSNorm(p.sub('post_attention_layernorm'), c.hiddenSize, c.rmsNormEps);
    this.mlp = new Qwen2MLP(p.sub('mlp'), c);
  }

  /** Two residual lines; the layer's temporaries are freed when it returns. */
  forward(x: Tensor, ctx: LayerContext): Tensor {
    return tidy(() => {
      const h = x.add(this.selfAttn.forward(this.inputLayernorm.forward(x), ctx));
      return h.add(this.mlp.forward(this.postAttentionLayernorm.forward(h)));
    });
  }
}

export class Qwen2Model {
  readonly embedTokens: Param;
  readonly layers: readonly Qwen2DecoderLayer[];
  readonly norm: Qwen2RMSNorm;

  constructor(p: ParamPath, c: Qwen2Config) {
    this.embedTokens = p.sub('embed_tokens').param('weight', [c.vocabSize, c.hiddenSize]);
    this.layers = Array.from({ length: c.numHiddenLayers }, (_, i) => new Qwen2DecoderLayer(p.sub('layers').sub(i), c, i));
    this.norm = new Qwen2RMSNorm(p.sub('norm'), c.hiddenSize, c.rmsNormEps);
  }
}

export interface LossAndBackwardOptions {
  /**
   * Activation checkpointing: keep only each decoder layer's input during the forward pass and
   * recompute the layer in the backward pass (less memory, one more forward). Default false.
   */
  checkpoint?: boolean;
}

export class Qwen2ForCausalLM implements Disposable {
  readonly config: Qwen2Config;
  /** Every parameter, in declaration order (a tied head is the embedding, declared once). */
  readonly params: readonly Param[];
  readonly model: Qwen2Model;
  /** (V, C); the embedding parameter itself when the embeddings are tied. */
  readonly lmHead: Param;
  #invFreq: Tensor | undefined;
  #training = false;

  /**
   * Declares the module tree; parameters carry their Hugging Face names and get their values
   * from `loadParams` (a checkpoint, see folder.ts) or `initWeights`. With tied embeddings there
   * is no `lm_head.weight`: the head reads `model.embed_tokens.weight`.
   */
  constructor(config: Qwen2Config, root = new ParamPath()) {
    this.config = config;
    this.model = new Qwen2Model(root.sub('model'), config);
    this.lmHead = config.tieWordEmbeddings ? this.model.embedTokens : root.sub('lm_head').param('weight', [config.vocabSize, config.hiddenSize]);
    this.params = root.params;
  }

  get dtype(): FloatDType {
    return this.model.embedTokens.value.dtype as FloatDType;
  }

  get device(): Device {
    return this.model.embedTokens.value.device;
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** Positions the model handles (max_position_embeddings). */
  get maxPositions(): number {
    return this.config.maxPositionEmbeddings;
  }

  /** Scalar parameters, tied weights counted once. */
  numParameters(): number {
    return this.params.reduce((n, p) => n + p.shape.reduce((a, d) => a * d, 1), 0);
  }

  /** Parameters as [Hugging Face name, tensor], declaration order (what `saveQwen2` writes). */
  namedParameters(): [string, Tensor][] {
    return this.params.map((p) => [p.name, p.value]);
  }

  parameters(): Tensor[] {
    return this.params.map((p) => p.value);
  }

  /** Training mode turns attention dropout on (Qwen2.5 sets it to 0, so usually a no-op). */
  train(on = true): this {
    this.#training = on;
    for (const l of this.model.layers) l.selfAttn.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  get training(): boolean {
    return this.#training;
  }

  /**
   * HF `_init_weights`: every Linear weight and the embedding ~ N(0, initializer_range), biases 0,
   * norm weights 1 — what `Qwen2ForCausalLM(config)` gives in transformers (no GPT-2 style
   * scaled residual init: clinsum matches the model it is compared with). Values are drawn in
   * float32 on the CPU from `generator`, parameter by parameter in declaration order, then cast
   * and moved — so a seed gives the same weights on every device.
   */
  initWeights(generator: RandomGenerator, options: { dtype?: FloatDType; device?: Device } = {}): this {
    const std = this.config.initializerRange;
    const to = { dtype: options.dtype ?? 'float32', device: options.device ?? 'cpu' } as const;
    for (const p of this.params) {
      const t = tidy(() => {
        const v = empty(p.shape, { dtype: 'float32' });
        if (p.name.endsWith('layernorm.weight') || p.name === 'model.norm.weight') v.fill_(1);
        else if (p.name.endsWith('.bias')) v.zero_();
        else v.normal_(0, std, { generator });
        return v.to(to);
      });
      p.set(t);
    }
    return this;
  }

  // ---- training forward

  /** Logits at `input.logitsAt` (or everywhere), with the graph when gradients are enabled. */
  forward(input: CausalLMInput, options: { returnHidden?: boolean } = {}): CausalLMOutput {
    return tidy(() => {
      const ctx = this.#context(input);
      let h = embedding(this.model.embedTokens.value, input.inputIds);
      for (const layer of this.model.layers) h = layer.forward(h, ctx);
      return this.#head(h, input, options.returnHidden ?? false);
    });
  }

  /**
   * One training micro-step: `loss = lossFn(forward(input).logits)`, then its backward pass
   * (gradients accumulate into the parameters' `.grad`). Returns the loss, detached. With
   * `checkpoint` the decoder layers are recomputed during backward (activation checkpointing);
   * the gradients are the same (bit-equal on CPU).
   */
  lossAndBackward(input: CausalLMInput, lossFn: (logits: Tensor) => Tensor, options: LossAndBackwardOptions = {}): Tensor {
    return tidy(() => {
      if (!(options.checkpoint ?? false)) {
        const { logits } = this.forward(input);
        const loss = lossFn(logits);
        // The graph keeps what backward needs; (N, V) logits need not stay alive through it.
        if (loss !== logits) logits.dispose();
        loss.backward();
        return loss.detach();
      }
      const ctx = this.#context(input);
      const h0 = embedding(this.model.embedTokens.value, input.inputIds);
      return checkpointedBackward(this.segments(ctx), h0, (h) => lossFn(this.#head(h, input, false).logits));
    });
  }

  /** The decoder layers as `checkpointedBackward` segments (hidden (B, T, C) → hidden). */
  segments(ctx: LayerContext): ((h: Tensor) => Tensor)[] {
    return this.model.layers.map((layer) => (h: Tensor) => layer.forward(h, ctx));
  }

  /** Rotary tables and masks for a training batch (no cache). */
  layerContext(input: CausalLMInput): LayerContext {
    return this.#context(input);
  }

  // ---- generation forward

  /**
   * One step with a KV cache: `inputIds` (B, t) are the next t tokens of each row (a left-padded
   * prompt block, or one token per row when decoding; `pads[b]` tokens at the left of row b's
   * block are padding). Positions come from the cache (each row counts its own real tokens).
   * Returns logits (N, V) at `logitsAt` (flat indices into B·t; default: each row's last column,
   * giving (B, V)). Runs in libtorch's inference mode (no graph).
   */
  forwardCached(inputIds: Tensor, cache: KVCache, options: { pads?: readonly number[]; logitsAt?: Tensor } = {}): Tensor {
    return inferenceMode(() => this.#forwardCached(inputIds, cache, options));
  }

  #forwardCached(inputIds: Tensor, cache: KVCache, options: { pads?: readonly number[]; logitsAt?: Tensor }): Tensor {
    const [B, t] = inputIds.shape as [number, number];
    if (B !== cache.batchSize) throw new RangeError(`forwardCached: ${B} rows of input for a cache of ${cache.batchSize}`);
    const step = cache.beginStep(t, options.pads);
    try {
      const logits = tidy(() => {
        const positions = stepPositions(cache, step, this.device);
        const { cos, sin } = ropeCosSin(this.#rope(), positions, this.dtype);
        const ctx: LayerContext = { cos, sin, causal: step.causal, keyPadding: step.keyPadding, cache };
        let h = embedding(this.model.embedTokens.value, inputIds);
        for (const layer of this.model.layers) h = layer.forward(h, ctx);
        const at = options.logitsAt ?? arange(t - 1, B * t, t, { device: this.device });
        return linear(this.model.norm.forward(h.reshape([B * t, this.config.hiddenSize]).indexSelect(0, at)), this.lmHead.value);
      });
      cache.endStep();
      return logits;
    } catch (e) {
      cache.abortStep();
      throw e;
    }
  }

  /** An empty KV cache for `batch` rows in this model's dtype and device. */
  newCache(batch: number, capacity = 0): KVCache {
    const c = this.config;
    return inferenceMode(() => new KVCache({ layers: c.numHiddenLayers, kvHeads: c.numKeyValueHeads, headDim: c.headDim, dtype: this.dtype, device: this.device }, batch, capacity));
  }

  dispose(): void {
    this.#invFreq?.dispose();
    this.#invFreq = undefined;
    disposeParams(this.params);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- internals

  #rope(): Tensor {
    if (this.#invFreq === undefined || this.#invFreq.device !== this.device) {
      this.#invFreq?.dispose();
      this.#invFreq = tidy(() => ropeInvFreq(this.config.headDim, this.config.ropeTheta, this.device)).keep();
    }
    return this.#invFreq;
  }

  #context(input: CausalLMInput): LayerContext {
    const [B, T] = input.inputIds.shape as [number, number];
    const mask = input.attentionMask;
    let positions = input.positions;
    if (positions === undefined) {
      positions =
        mask === undefined
          ? arange(T, { device: this.device }).unsqueeze(0).expand([B, T])
          : mask.long().cumsum(1).sub(1).clamp(0); // (B, T): HF's cumsum − 1, padding at 0
    }
    const { cos, sin } = ropeCosSin(this.#rope(), positions, this.dtype);
    return { cos, sin, causal: true, keyPadding: mask === undefined || !needsKeyMask(mask) ? undefined : mask, cache: undefined };
  }

  #head(h: Tensor, input: CausalLMInput, returnHidden: boolean): CausalLMOutput {
    const [B, T, C] = h.shape as [number, number, number];
    if (returnHidden) {
      const hidden = this.model.norm.forward(h);
      const at = input.logitsAt === undefined ? hidden : hidden.reshape([B * T, C]).indexSelect(0, input.logitsAt);
      return { logits: linear(at, this.lmHead.value), hidden };
    }
    const head = this.lmHead.value;
    if (input.logitsAt === undefined) return { logits: linear(this.model.norm.forward(h), head) };
    // Gather the supervised positions first: the norm is per position, and the head is the big matmul.
    return { logits: linear(this.model.norm.forward(h.reshape([B * T, C]).indexSelect(0, input.logitsAt)), head) };
  }
}

/**
 * Whether a (B, T) attention mask hides keys that a causal mask does not already hide. Right
 * padding (every row real tokens then padding) needs no key mask: real tokens never see the
 * padding after them, and padding positions are never supervised. So such batches keep the fused
 * causal kernel (flash attention on CUDA); left or inner padding gets the key mask.
 */
function needsKeyMask(mask: Tensor): boolean {
  const [B, T] = mask.shape as [number, number];
  const m = mask.to({ dtype: 'uint8', device: 'cpu' }).toTypedArray() as Uint8Array;
  for (let b = 0; b < B; b++) {
    let t = 0;
    while (t < T && m[b * T + t] === 1) t++;
    while (t < T && m[b * T + t] === 0) t++;
    if (t < T) return true;
  }
  return false;
}

/** (B, t) int64 positions of a step's new columns: each row counts its own real tokens (padding at 0). */
function stepPositions(cache: KVCache, step: StepContext, device: Device): Tensor {
  const B = cache.batchSize;
  const t = step.newTokens;
  const pos = new Int32Array(B * t);
  const starts = cache.rowStarts();
  for (let b = 0; b < B; b++) {
    const s = starts[b]!;
    for (let j = 0; j < t; j++) pos[b * t + j] = Math.max(0, step.pastLength + j - s);
  }
  return tensor(pos, { shape: [B, t], device }).long();
}
