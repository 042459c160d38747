/**
 * The small layers every Hugging Face architecture is built from, with their parameters named
 * as torch.nn names them (`weight`, `bias`), so that a model's keys equal the checkpoint's.
 */
import { embedding, layerNorm, linear, type Tensor } from '../../engine/index.js';
import type { Param, ParamPath } from './params.js';

/** torch.nn.Linear: weight (out, in), optional bias (out). */
export class Linear {
  readonly weight: Param;
  readonly bias: Param | undefined;

  constructor(p: ParamPath, inFeatures: number, outFeatures: number, options: { bias?: boolean } = {}) {
    this.weight = p.param('weight', [outFeatures, inFeatures]);
    this.bias = options.bias === false ? undefined : p.param('bias', [outFeatures]);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight.value, this.bias?.value);
  }
}

/** torch.nn.Embedding: weight (num, dim). */
export class Embedding {
  readonly weight: Param;

  constructor(p: ParamPath, num: number, dim: number, options: { fallback?: () => Tensor } = {}) {
    this.weight = p.param('weight', [num, dim], options);
  }

  forward(ids: Tensor): Tensor {
    return embedding(this.weight.value, ids);
  }
}

/** torch.nn.LayerNorm over the last dimension, with weight and bias. */
export class LayerNorm {
  readonly weight: Param;
  readonly bias: Param;
  readonly dim: number;
  readonly eps: number;

  constructor(p: ParamPath, dim: number, eps: number) {
    this.weight = p.param('weight', [dim]);
    this.bias = p.param('bias', [dim]);
    this.dim = dim;
    this.eps = eps;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, [this.dim], this.weight.value, this.bias.value, this.eps);
  }
}
