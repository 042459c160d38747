/**
 * What the trainer needs of a causal language model. The Qwen2 model of `src/models/qwen2`
 * satisfies it through `qwen2.ts`; any decoder with a training forward that computes logits
 * only at chosen positions can be trained the same way.
 */
import type { Device, Tensor } from '../../engine/index.js';

/** One right-padded micro-batch, as the model reads it. */
export interface LmBatch {
  /** (B, T) int64 token ids; rows shorter than T are padded at the end. */
  inputIds: Tensor;
  /**
   * (B, T) bool, true on real tokens. With right padding and causal attention a real token
   * never sees a padded one, so the trainer leaves this out (the fused attention kernels need
   * no mask); it is for left-padded or packed inputs.
   */
  keyPadding?: Tensor;
  /**
   * (N) int64 flat indices `b·T + t` of the positions whose logits are wanted: the trainer asks
   * only for the positions that predict a supervised token, so the (N, V) logits stay small.
   */
  logitsAt: Tensor;
}

export interface GenerateOptions {
  maxNewTokens: number;
  /** Generation of a row stops after it emits one of these (the stop token is not returned). */
  stopIds: readonly number[];
}

export interface TrainableLM {
  readonly device: Device;
  /** Rows of the output layer (logits per position). */
  readonly vocabSize: number;
  /** Trainable parameters with their Hugging Face names, each tensor once (tied weights once). */
  namedParameters(): ReadonlyArray<readonly [string, Tensor]>;
  /** Logits (N, V) at `batch.logitsAt`; records a graph when gradients are enabled. */
  forward(batch: LmBatch): Tensor;
  /**
   * One training micro-step: `lossFn(forward(batch))`, then its backward pass (gradients
   * accumulate into the parameters). With `checkpoint`, only each block's input is kept during
   * the forward pass and the blocks are recomputed in the backward pass (`checkpointedBackward`):
   * less memory, the same gradients. Returns nothing; `lossFn` sees the logits and may keep
   * what it needs (e.g. per-token losses).
   */
  lossAndBackward(batch: LmBatch, lossFn: (logits: Tensor) => Tensor, options: { checkpoint: boolean }): void;
  /** Training mode (dropout on, when the model has any) or evaluation mode. */
  setTraining(on: boolean): void;
  /** Writes a Hugging Face model folder (config.json, *.safetensors) that transformers can load. */
  save(dir: string): void;
  /** Greedy continuations of token-id prompts (no prompt tokens in the result). */
  generate(prompts: readonly (readonly number[])[], options: GenerateOptions): number[][];
  /** Frees the parameters. */
  dispose(): void;
}

/** Loads a model from a Hugging Face folder onto `device`, as float32 master weights. */
export type ModelLoader = (dir: string, options: { device: Device }) => TrainableLM;
