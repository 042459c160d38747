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

/** The forward pass cut into pieces for activation checkpointing (`checkpointedBackward`). */
export interface LmSegments {
  /** The embedding output (B, T, D), made with a graph so its gradient reaches the embedding. */
  input: Tensor;
  /** One function per decoder block, `(B, T, D) → (B, T, D)`. */
  blocks: ReadonlyArray<(h: Tensor) => Tensor>;
  /** Final norm and LM head at `logitsAt`: `(B, T, D) → (N, V)`. */
  head: (h: Tensor) => Tensor;
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
  /** The same computation as `forward`, in segments (see `LmSegments`). */
  segments(batch: LmBatch): LmSegments;
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
