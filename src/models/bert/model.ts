/**
 * BERT-family encoders exactly as transformers computes them (modeling_bert.py,
 * modeling_distilbert.py, modeling_roberta.py), in evaluation mode (no dropout), one class per
 * block, read top-down. Parameter paths are the Hugging Face safetensors keys of the base model
 * (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`,
 * `transformer.layer.0.attention.q_lin.weight`), so loading is a strict walk (load.ts).
 *
 * An encoder may be built with fewer layers than the checkpoint has: its output is then the
 * hidden state after layer L, as bert_score gets it by cutting `model.encoder.layer[:L]`
 * (L = 0 is the embeddings' output).
 */
import { arange, scaledDotProductAttention, tensor, type Tensor } from '../../engine/index.js';
import { Embedding, LayerNorm, Linear } from '../hf/modules.js';
import { ParamPath, disposeParams, type Param } from '../hf/params.js';
import type { Activation, BertConfig } from './config.js';

/** The interface the scorer uses: hidden states after the kept layers. */
export interface Encoder {
  readonly config: BertConfig;
  /** Layers applied after the embeddings (0..config.numLayers). */
  readonly layers: number;
  readonly params: readonly Param[];
  /**
   * Hidden states (B, T, hidden) after `layers` layers. `ids` (B, T) int64, right-padded with
   * `config.padTokenId`; `mask` (B, T) bool, true on real tokens.
   */
  forward(ids: Tensor, mask: Tensor): Tensor;
  /** Free every parameter. */
  dispose(): void;
}

function activate(x: Tensor, act: Activation): Tensor {
  switch (act) {
    case 'gelu':
      return x.gelu('none'); // exact, with erf
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return x.gelu('tanh');
    case 'relu':
      return x.relu();
    case 'silu':
    case 'swish':
      return x.silu();
  }
}

/** Attention over (B, T, C) projections: heads split, scaled dot product with key padding, merged. */
function attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor, numHeads: number, headSize: number): Tensor {
  const [b, t] = q.shape as [number, number, number];
  const heads = (x: Tensor): Tensor => x.view([b, t, numHeads, headSize]).transpose(1, 2); // (B, nh, T, hs)
  const y = scaledDotProductAttention(heads(q), heads(k), heads(v), { keyPadding: mask }); // (B, nh, T, hs)
  return y.transpose(1, 2).reshape([b, t, numHeads * headSize]); // (B, T, C)
}

/**
 * The body both families share: embeddings (at `embeddings.*`), then the first `layers` blocks
 * (at `<stack>.layer.<i>.*`; BERT's `encoder`, DistilBERT's `transformer`), each taking the mask.
 */
abstract class EncoderStack<E extends { forward(ids: Tensor): Tensor }, B extends { forward(h: Tensor, mask: Tensor): Tensor }> implements Encoder {
  readonly embeddings: E;
  readonly layer: B[] = [];
  readonly params: readonly Param[];

  protected constructor(
    readonly config: BertConfig,
    readonly layers: number,
    root: ParamPath,
    make: { embeddings: (p: ParamPath) => E; stack: string; block: (p: ParamPath) => B },
  ) {
    checkLayers(config, layers);
    this.embeddings = make.embeddings(root.sub('embeddings'));
    const blocks = root.sub(make.stack).sub('layer');
    for (let i = 0; i < layers; i++) this.layer.push(make.block(blocks.sub(i)));
    this.params = root.params;
  }

  forward(ids: Tensor, mask: Tensor): Tensor {
    let h = this.embeddings.forward(ids);
    for (const l of this.layer) h = l.forward(h, mask);
    return h;
  }

  dispose(): void {
    disposeParams(this.params);
  }
}

// ---------------------------------------------------------------------------------------------
// BERT (and RoBERTa, which differs only in its position ids)

class BertEmbeddings {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;

  constructor(p: ParamPath, readonly config: BertConfig) {
    this.wordEmbeddings = new Embedding(p.sub('word_embeddings'), config.vocabSize, config.hiddenSize);
    this.positionEmbeddings = new Embedding(p.sub('position_embeddings'), config.maxPositionEmbeddings, config.hiddenSize);
    this.tokenTypeEmbeddings = new Embedding(p.sub('token_type_embeddings'), config.typeVocabSize, config.hiddenSize);
    this.layerNorm = new LayerNorm(p.sub('LayerNorm'), config.hiddenSize, config.layerNormEps);
  }

  /** BERT: positions 0..T−1. RoBERTa: pad_token_id + 1 onwards over the real tokens (create_position_ids_from_input_ids). */
  positionIds(ids: Tensor): Tensor {
    const t = ids.shape[1]!;
    if (this.config.family !== 'roberta') return arange(t).to(ids.device).unsqueeze(0); // (1, T)
    const pad = this.config.padTokenId;
    const real = ids.ne(pad).long();
    return real.cumsum(1).mul(real).add(pad); // (B, T)
  }

  forward(ids: Tensor): Tensor {
    // Token type 0 for every token (bert_score passes none; RoBERTa has only type 0).
    const tokenType = this.tokenTypeEmbeddings.weight.value.select(0, 0); // (C)
    const x = this.wordEmbeddings.forward(ids).add(tokenType).add(this.positionEmbeddings.forward(this.positionIds(ids)));
    return this.layerNorm.forward(x);
  }
}

class BertSelfAttention {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;

  constructor(p: ParamPath, readonly config: BertConfig) {
    const c = config.hiddenSize;
    this.query = new Linear(p.sub('query'), c, c);
    this.key = new Linear(p.sub('key'), c, c);
    this.value = new Linear(p.sub('value'), c, c);
  }

  forward(h: Tensor, mask: Tensor): Tensor {
    return attend(this.query.forward(h), this.key.forward(h), this.value.forward(h), mask, this.config.numHeads, this.config.headSize);
  }
}

/** Projection, residual, LayerNorm (post-LN): BertSelfOutput and BertOutput. */
class BertResidualOutput {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;

  constructor(p: ParamPath, inFeatures: number, config: BertConfig) {
    this.dense = new Linear(p.sub('dense'), inFeatures, config.hiddenSize);
    this.layerNorm = new LayerNorm(p.sub('LayerNorm'), config.hiddenSize, config.layerNormEps);
  }

  forward(x: Tensor, residual: Tensor): Tensor {
    return this.layerNorm.forward(this.dense.forward(x).add(residual));
  }
}

class BertAttention {
  readonly self: BertSelfAttention;
  readonly output: BertResidualOutput;

  constructor(p: ParamPath, config: BertConfig) {
    this.self = new BertSelfAttention(p.sub('self'), config);
    this.output = new BertResidualOutput(p.sub('output'), config.hiddenSize, config);
  }

  forward(h: Tensor, mask: Tensor): Tensor {
    return this.output.forward(this.self.forward(h, mask), h);
  }
}

class BertIntermediate {
  readonly dense: Linear;

  constructor(p: ParamPath, readonly config: BertConfig) {
    this.dense = new Linear(p.sub('dense'), config.hiddenSize, config.intermediateSize);
  }

  forward(h: Tensor): Tensor {
    return activate(this.dense.forward(h), this.config.activation);
  }
}

class BertLayer {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertResidualOutput;

  constructor(p: ParamPath, config: BertConfig) {
    this.attention = new BertAttention(p.sub('attention'), config);
    this.intermediate = new BertIntermediate(p.sub('intermediate'), config);
    this.output = new BertResidualOutput(p.sub('output'), config.intermediateSize, config);
  }

  forward(h: Tensor, mask: Tensor): Tensor {
    const a = this.attention.forward(h, mask);
    return this.output.forward(this.intermediate.forward(a), a);
  }
}

/** BertModel / RobertaModel / XLMRobertaModel without the pooler (it does not touch hidden states). */
export class BertModel extends EncoderStack<BertEmbeddings, BertLayer> {
  constructor(config: BertConfig, layers: number, root = new ParamPath()) {
    super(config, layers, root, { embeddings: (p) => new BertEmbeddings(p, config), stack: 'encoder', block: (p) => new BertLayer(p, config) });
  }
}

// ---------------------------------------------------------------------------------------------
// DistilBERT

/** transformers' `create_sinusoidal_embeddings`: sin on even, cos on odd columns (float64, then float32). */
export function sinusoidalPositions(n: number, dim: number): Tensor {
  const out = new Float32Array(n * dim);
  for (let pos = 0; pos < n; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      out[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return tensor(out, { shape: [n, dim] });
}

class DistilEmbeddings {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;

  constructor(p: ParamPath, config: BertConfig) {
    this.wordEmbeddings = new Embedding(p.sub('word_embeddings'), config.vocabSize, config.hiddenSize);
    this.positionEmbeddings = new Embedding(p.sub('position_embeddings'), config.maxPositionEmbeddings, config.hiddenSize, {
      fallback: config.sinusoidalPositions ? () => sinusoidalPositions(config.maxPositionEmbeddings, config.hiddenSize) : undefined,
    });
    this.layerNorm = new LayerNorm(p.sub('LayerNorm'), config.hiddenSize, 1e-12);
  }

  forward(ids: Tensor): Tensor {
    const positions = arange(ids.shape[1]!).to(ids.device).unsqueeze(0); // (1, T)
    return this.layerNorm.forward(this.wordEmbeddings.forward(ids).add(this.positionEmbeddings.forward(positions)));
  }
}

class MultiHeadSelfAttention {
  readonly qLin: Linear;
  readonly kLin: Linear;
  readonly vLin: Linear;
  readonly outLin: Linear;

  constructor(p: ParamPath, readonly config: BertConfig) {
    const c = config.hiddenSize;
    this.qLin = new Linear(p.sub('q_lin'), c, c);
    this.kLin = new Linear(p.sub('k_lin'), c, c);
    this.vLin = new Linear(p.sub('v_lin'), c, c);
    this.outLin = new Linear(p.sub('out_lin'), c, c);
  }

  forward(x: Tensor, mask: Tensor): Tensor {
    const y = attend(this.qLin.forward(x), this.kLin.forward(x), this.vLin.forward(x), mask, this.config.numHeads, this.config.headSize);
    return this.outLin.forward(y);
  }
}

class FFN {
  readonly lin1: Linear;
  readonly lin2: Linear;

  constructor(p: ParamPath, readonly config: BertConfig) {
    this.lin1 = new Linear(p.sub('lin1'), config.hiddenSize, config.intermediateSize);
    this.lin2 = new Linear(p.sub('lin2'), config.intermediateSize, config.hiddenSize);
  }

  forward(x: Tensor): Tensor {
    return this.lin2.forward(activate(this.lin1.forward(x), this.config.activation));
  }
}

class TransformerBlock {
  readonly attention: MultiHeadSelfAttention;
  readonly saLayerNorm: LayerNorm;
  readonly ffn: FFN;
  readonly outputLayerNorm: LayerNorm;

  constructor(p: ParamPath, config: BertConfig) {
    this.attention = new MultiHeadSelfAttention(p.sub('attention'), config);
    this.saLayerNorm = new LayerNorm(p.sub('sa_layer_norm'), config.hiddenSize, 1e-12);
    this.ffn = new FFN(p.sub('ffn'), config);
    this.outputLayerNorm = new LayerNorm(p.sub('output_layer_norm'), config.hiddenSize, 1e-12);
  }

  forward(x: Tensor, mask: Tensor): Tensor {
    const sa = this.saLayerNorm.forward(this.attention.forward(x, mask).add(x));
    return this.outputLayerNorm.forward(this.ffn.forward(sa).add(sa));
  }
}

export class DistilBertModel extends EncoderStack<DistilEmbeddings, TransformerBlock> {
  constructor(config: BertConfig, layers: number, root = new ParamPath()) {
    super(config, layers, root, { embeddings: (p) => new DistilEmbeddings(p, config), stack: 'transformer', block: (p) => new TransformerBlock(p, config) });
  }
}

// ---------------------------------------------------------------------------------------------

function checkLayers(config: BertConfig, layers: number): void {
  if (!Number.isInteger(layers) || layers < 0 || layers > config.numLayers) {
    throw new RangeError(`layer must be an integer from 0 to ${config.numLayers} (the model's num_hidden_layers), got ${layers}`);
  }
}

/** The encoder class of a config, with the first `layers` layers (default: all). */
export function createEncoder(config: BertConfig, layers = config.numLayers): Encoder {
  return config.family === 'distilbert' ? new DistilBertModel(config, layers) : new BertModel(config, layers);
}

/**
 * Every parameter name of the complete base model (all layers, BERT's pooler): the names a
 * checkpoint may hold beyond those an encoder with fewer layers reads.
 */
export function fullParameterNames(config: BertConfig): string[] {
  const root = new ParamPath();
  const names = createEncoderAt(config, config.numLayers, root).params.map((p) => p.name);
  if (config.family !== 'distilbert') names.push('pooler.dense.weight', 'pooler.dense.bias');
  return names;
}

function createEncoderAt(config: BertConfig, layers: number, root: ParamPath): Encoder {
  return config.family === 'distilbert' ? new DistilBertModel(config, layers, root) : new BertModel(config, layers, root);
}
