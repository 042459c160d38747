/**
 * Rotary position embeddings exactly as transformers' Qwen2RotaryEmbedding (default rope type):
 * `inv_freq = 1 / theta^(arange(0, D, 2) / D)` in float32, angles `position · inv_freq` in float32
 * (HF's K = 1 matmul is this one product), `emb = cat(freqs, freqs)`, cos and sin cast to the
 * hidden states' dtype; applied with the rotate-half convention `x·cos + rotate_half(x)·sin`,
 * `rotate_half(x) = cat(−x₂, x₁)` over the two halves of the head dimension.
 */
import { arange, cat, full, type Tensor } from '../../engine/index.js';
import type { DType, Device } from '../../engine/index.js';

/** `inv_freq` (D/2) float32 on `device`: computed like HF, in float32 throughout. */
export function ropeInvFreq(headDim: number, theta: number, device: Device = 'cpu'): Tensor {
  const exponent = arange(0, headDim, 2).float().div(headDim); // int64 arange → float32, as HF
  const base = full([headDim / 2], theta, { dtype: 'float32' });
  return base.pow(exponent).reciprocal().to(device);
}

/** cos and sin (B, 1, T, D) for int64 `positions` (B, T), ready to broadcast over heads. */
export function ropeCosSin(invFreq: Tensor, positions: Tensor, dtype: DType): { cos: Tensor; sin: Tensor } {
  const freqs = positions.float().unsqueeze(-1).mul(invFreq); // (B, T, D/2)
  const emb = cat([freqs, freqs], -1).unsqueeze(1); // (B, 1, T, D)
  return { cos: emb.cos().to(dtype), sin: emb.sin().to(dtype) };
}

/** `x·cos + rotate_half(x)·sin` for x (B, H, T, D). */
export function applyRope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const half = x.size(-1) / 2;
  const x1 = x.narrow(-1, 0, half);
  const x2 = x.narrow(-1, half, half);
  const rotated = cat([x2.neg(), x1], -1);
  return x.mul(cos).add(rotated.mul(sin));
}
