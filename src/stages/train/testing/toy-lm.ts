/**
 * A tiny decoder LM built from engine ops, for the trainer's tests while the Qwen2 model is not
 * on this branch: token embedding, pre-norm blocks (causal multi-head attention with q/k/v
 * biases, SwiGLU MLP), final RMS norm and an untied LM head, with Qwen2's parameter names. No
 * position encoding (causal attention alone orders the tokens), no dropout.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RandomGenerator,
  checkpointedBackward,
  SafetensorsCheckpoint,
  embedding,
  inferenceMode,
  keep,
  linear,
  randn,
  ones,
  rmsNorm,
  saveCheckpoint,
  scaledDotProductAttention,
  tensor,
  tidy,
  type Device,
  type Tensor,
} from '../../../engine/index.js';
import type { GenerateOptions, LmBatch, TrainableLM } from '../lm.js';

export interface ToyConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
}

export class ToyLM implements TrainableLM {
  readonly device: Device;
  readonly config: ToyConfig;
  readonly #params: [string, Tensor][];
  readonly #p = new Map<string, Tensor>();

  constructor(config: ToyConfig, params: [string, Tensor][], device: Device) {
    this.config = config;
    this.device = device;
    this.#params = params;
    for (const [n, t] of params) this.#p.set(n, t);
  }

  /** A randomly initialised model (normal, std 0.02; norms 1); float64 for exact comparisons in tests. */
  static init(config: ToyConfig, seed: number, options: { device?: Device; dtype?: 'float32' | 'float64' } = {}): ToyLM {
    const device = options.device ?? 'cpu';
    const dtype = options.dtype ?? 'float32';
    const g = new RandomGenerator(seed);
    const D = config.hidden_size;
    const F = config.intermediate_size;
    const shapes: [string, number[]][] = [['model.embed_tokens.weight', [config.vocab_size, D]]];
    for (let l = 0; l < config.num_hidden_layers; l++) {
      const p = `model.layers.${l}`;
      shapes.push(
        [`${p}.input_layernorm.weight`, [D]],
        [`${p}.self_attn.q_proj.weight`, [D, D]],
        [`${p}.self_attn.q_proj.bias`, [D]],
        [`${p}.self_attn.k_proj.weight`, [D, D]],
        [`${p}.self_attn.k_proj.bias`, [D]],
        [`${p}.self_attn.v_proj.weight`, [D, D]],
        [`${p}.self_attn.v_proj.bias`, [D]],
        [`${p}.self_attn.o_proj.weight`, [D, D]],
        [`${p}.post_attention_layernorm.weight`, [D]],
        [`${p}.mlp.gate_proj.weight`, [F, D]],
        [`${p}.mlp.up_proj.weight`, [F, D]],
        [`${p}.mlp.down_proj.weight`, [D, F]],
      );
    }
    shapes.push(['model.norm.weight', [D]], ['lm_head.weight', [config.vocab_size, D]]);
    const params = shapes.map(([n, s]): [string, Tensor] => {
      const t = n.endsWith('norm.weight') ? ones(s, { device, dtype }) : randn(s, { generator: g, device, dtype }).mul_(0.02);
      return [n, keep(t.requiresGrad_())];
    });
    return new ToyLM(config, params, device);
  }

  static load(dir: string, options: { device: Device }): ToyLM {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as ToyConfig & { model_type: string };
    if (config.model_type !== 'clinsum-toy') throw new Error(`${dir} is not a clinsum-toy model`);
    const ck = SafetensorsCheckpoint.open(dir);
    try {
      const params = ck.names().map((n): [string, Tensor] => [n, keep(ck.load(n, { dtype: 'float32', device: options.device }).requiresGrad_())]);
      return new ToyLM(config, params, options.device);
    } finally {
      ck.close();
    }
  }

  get vocabSize(): number {
    return this.config.vocab_size;
  }

  namedParameters(): ReadonlyArray<readonly [string, Tensor]> {
    return this.#params;
  }

  setTraining(): void {
    // no dropout
  }

  #w(name: string): Tensor {
    const t = this.#p.get(name);
    if (t === undefined) throw new Error(`missing parameter ${name}`);
    return t;
  }

  #block(l: number, x: Tensor): Tensor {
    const p = `model.layers.${l}`;
    const [B, T, D] = x.shape as [number, number, number];
    const H = this.config.num_attention_heads;
    const hd = D / H;
    const h = rmsNorm(x, this.#w(`${p}.input_layernorm.weight`));
    const heads = (name: string): Tensor => linear(h, this.#w(`${p}.self_attn.${name}.weight`), this.#w(`${p}.self_attn.${name}.bias`)).view([B, T, H, hd]).transpose(1, 2); // (B, H, T, hd)
    const a = scaledDotProductAttention(heads('q_proj'), heads('k_proj'), heads('v_proj'), { causal: true });
    const x2 = x.add(linear(a.transpose(1, 2).reshape([B, T, D]), this.#w(`${p}.self_attn.o_proj.weight`)));
    const m = rmsNorm(x2, this.#w(`${p}.post_attention_layernorm.weight`));
    const gate = linear(m, this.#w(`${p}.mlp.gate_proj.weight`)).silu();
    const up = linear(m, this.#w(`${p}.mlp.up_proj.weight`));
    return x2.add(linear(gate.mul(up), this.#w(`${p}.mlp.down_proj.weight`)));
  }

  #blocks(): ((h: Tensor) => Tensor)[] {
    return Array.from({ length: this.config.num_hidden_layers }, (_, l) => (h: Tensor) => this.#block(l, h));
  }

  #head(h: Tensor, logitsAt: Tensor): Tensor {
    const n = rmsNorm(h, this.#w('model.norm.weight')).reshape([-1, this.config.hidden_size]).indexSelect(0, logitsAt);
    return linear(n, this.#w('lm_head.weight'));
  }

  forward(batch: LmBatch): Tensor {
    let h = embedding(this.#w('model.embed_tokens.weight'), batch.inputIds);
    for (const b of this.#blocks()) h = b(h);
    return this.#head(h, batch.logitsAt);
  }

  lossAndBackward(batch: LmBatch, lossFn: (logits: Tensor) => Tensor, options: { checkpoint: boolean }): void {
    tidy(() => {
      if (!options.checkpoint) {
        lossFn(this.forward(batch)).backward();
        return;
      }
      const h0 = embedding(this.#w('model.embed_tokens.weight'), batch.inputIds);
      checkpointedBackward(this.#blocks(), h0, (h) => lossFn(this.#head(h, batch.logitsAt)));
    });
  }

  save(dir: string): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), `${JSON.stringify({ model_type: 'clinsum-toy', ...this.config }, null, 2)}\n`);
    saveCheckpoint(dir, new Map(this.#params));
  }

  generate(prompts: readonly (readonly number[])[], options: GenerateOptions): number[][] {
    return prompts.map((prompt) => {
      const ids = [...prompt];
      const out: number[] = [];
      for (let i = 0; i < options.maxNewTokens; i++) {
        const next = inferenceMode(() =>
          tidy(() => {
            const input = tensor(BigInt64Array.from(ids, (v) => BigInt(v)), { shape: [1, ids.length], device: this.device });
            const at = tensor(BigInt64Array.of(BigInt(ids.length - 1)), { device: this.device });
            return this.forward({ inputIds: input, logitsAt: at }).argmax(-1).item();
          }),
        );
        if (options.stopIds.includes(next)) break;
        out.push(next);
        ids.push(next);
      }
      return out;
    });
  }

  dispose(): void {
    for (const [, t] of this.#params) t.dispose();
  }
}

/** The `ModelLoader` of toy models (tests). */
export function loadToyLM(dir: string, options: { device: Device }): TrainableLM {
  return ToyLM.load(dir, options);
}
