/**
 * The Qwen2 student as a `TrainableLM`: a thin adapter over `Qwen2ForCausalLM` (training forward
 * with selective logits and checkpointed backward), `saveQwen2` (Hugging Face folders that carry
 * the source's config keys, generation_config.json and tokenizer files) and `generate` (batched
 * greedy decoding with a KV cache).
 */
import type { Device, Tensor } from '../../engine/index.js';
import { generate } from '../../models/generation/index.js';
import { loadQwen2, saveQwen2, type LoadedQwen2 } from '../../models/qwen2/folder.js';
import type { Qwen2ForCausalLM } from '../../models/qwen2/model.js';
import type { GenerateOptions, LmBatch, TrainableLM } from './lm.js';

export class Qwen2Student implements TrainableLM {
  readonly model: Qwen2ForCausalLM;
  /** The folder the model was loaded from: its config keys, generation config and tokenizer travel with every save. */
  readonly base: Pick<LoadedQwen2, 'dir' | 'hfConfig' | 'generationConfigJson'> | undefined;

  constructor(model: Qwen2ForCausalLM, base?: Pick<LoadedQwen2, 'dir' | 'hfConfig' | 'generationConfigJson'>) {
    this.model = model;
    this.base = base;
    model.train(true);
    // Loaded parameters are plain tensors (inference); training needs their gradients.
    for (const [, p] of model.namedParameters()) p.requiresGrad_(true);
  }

  get device(): Device {
    return this.model.device;
  }

  get vocabSize(): number {
    return this.model.vocabSize;
  }

  namedParameters(): ReadonlyArray<readonly [string, Tensor]> {
    return this.model.namedParameters();
  }

  forward(batch: LmBatch): Tensor {
    return this.model.forward({ inputIds: batch.inputIds, attentionMask: batch.keyPadding, logitsAt: batch.logitsAt }).logits;
  }

  lossAndBackward(batch: LmBatch, lossFn: (logits: Tensor) => Tensor, options: { checkpoint: boolean }): void {
    this.model.lossAndBackward({ inputIds: batch.inputIds, attentionMask: batch.keyPadding, logitsAt: batch.logitsAt }, lossFn, { checkpoint: options.checkpoint }).dispose();
  }

  setTraining(on: boolean): void {
    this.model.train(on);
  }

  save(dir: string): void {
    saveQwen2(this.model, dir, { base: this.base });
  }

  generate(prompts: readonly (readonly number[])[], options: GenerateOptions): number[][] {
    const out = generate(
      this.model,
      prompts.map((promptIds) => ({ promptIds })),
      { maxNewTokens: options.maxNewTokens, eosTokenIds: options.stopIds },
    );
    return out.map((o) => o.tokens);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Loads a Qwen2 folder for training: float32 master weights on `device`, whatever the stored dtype. */
export function loadQwen2Student(dir: string, options: { device: Device }): TrainableLM {
  const loaded = loadQwen2(dir, { dtype: 'float32', device: options.device });
  return new Qwen2Student(loaded.model, loaded);
}
