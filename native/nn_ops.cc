// Neural-network ops (linear, norms, attention, losses, sampling) and the optimizer kernels.
// Version differences between libtorch 1.13 and 2.x are guarded here.
#include "common.h"

#include <cmath>
#include <limits>
#include <map>
#include <tuple>

// PyTorch 2.0+ has the fused AdamW kernel (torch.optim.AdamW(fused=True)) and, from 2.1, the
// foreach multiply by a tensor: on CUDA they replace hundreds of small launches per step with a
// few. CLINSUM_NO_FUSED_OPTIM=1 builds without them (the per-parameter loop everywhere).
#if defined(CLINSUM_WITH_CUDA) && !defined(CLINSUM_NO_FUSED_OPTIM) && CLINSUM_TORCH_AT_LEAST(2, 1)
#define CLINSUM_FUSED_OPTIM 1
#endif

// PyTorch builds with `_fused_rms_norm` (2.8+) run at::rms_norm as one kernel per direction on
// CUDA (the composite below is five forward kernels and about twice that backward).
// (scripts/check-native-torch2.sh defines CLINSUM_FUSED_RMS_NORM to compile the branch against 2.6.)
#if defined(CLINSUM_WITH_CUDA) && !defined(CLINSUM_FUSED_RMS_NORM) && !defined(CLINSUM_NO_FUSED_RMS_NORM) && \
    __has_include(<ATen/ops/_fused_rms_norm.h>)
#define CLINSUM_FUSED_RMS_NORM 1
#endif

namespace clinsum {
namespace {

bool isHalfLike(at::ScalarType t) { return t == at::kHalf || t == at::kBFloat16; }

// HF Qwen2RMSNorm: normalise in float32 (float64 stays float64), cast back, then scale.
at::Tensor rmsNorm(const at::Tensor& x, const c10::optional<at::Tensor>& weight, double eps) {
  auto inType = x.scalar_type();
#ifdef CLINSUM_FUSED_RMS_NORM
  // float32 in and out (the float32 residual stream of mixed-precision training): the fused
  // kernel computes w · x · rsqrt(mean(x²) + eps) in float32, as the composite does. Half inputs
  // keep the composite, which rounds x · rsqrt(…) to the input type before scaling (as HF does).
  if (x.is_cuda() && inType == at::kFloat && weight && weight->scalar_type() == at::kFloat && x.dim() >= 1 && weight->dim() == 1 &&
      weight->size(0) == x.size(-1)) {
    return at::rms_norm(x, {x.size(-1)}, *weight, eps);
  }
#endif
  at::Tensor h = isHalfLike(inType) ? x.to(at::kFloat) : x;
  at::Tensor variance = h.pow(2).mean({-1}, true);
  h = h * at::rsqrt(variance + eps);
  h = h.to(inType);
  if (weight) return *weight * h;
  return h;
}

// Scaled dot-product attention over (B, H, Tq, D) queries and (B, Hk, Tk, D) keys/values.
// `causal` aligns the causal band bottom-right (query i sees keys up to i + Tk - Tq), which is
// what a KV cache needs; `keyPadding` (B, Tk) bool says which keys exist (true = attend);
// `mask` is a further bool (true = attend) or additive float mask broadcastable to
// (B, H, Tq, Tk). Rows that may attend to nothing yield zeros instead of NaN.
at::Tensor attention(at::Tensor q, at::Tensor k, at::Tensor v, const c10::optional<at::Tensor>& keyPadding,
                     const c10::optional<at::Tensor>& extraMask, bool causal, double dropoutP, c10::optional<double> scale) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "attention expects (B, H, T, D) query, key and value, got ", q.sizes(), ", ",
              k.sizes(), ", ", v.sizes());
  const int64_t hq = q.size(1), hk = k.size(1);
  TORCH_CHECK(k.size(1) == v.size(1), "key and value must have the same number of heads, got ", k.size(1), " and ", v.size(1));
  TORCH_CHECK(hk > 0 && hq % hk == 0, "query heads (", hq, ") must be a multiple of key/value heads (", hk, ")");
  if (hk != hq) {
    // Grouped-query attention: each key/value head serves hq / hk query heads.
    const int64_t rep = hq / hk;
    k = k.unsqueeze(2).expand({k.size(0), hk, rep, k.size(2), k.size(3)}).reshape({k.size(0), hq, k.size(2), k.size(3)});
    v = v.unsqueeze(2).expand({v.size(0), hk, rep, v.size(2), v.size(3)}).reshape({v.size(0), hq, v.size(2), v.size(3)});
  }
  const int64_t tq = q.size(2), tk = k.size(2);
  c10::optional<at::Tensor> mask;
  c10::optional<at::Tensor> rowHasKey;
  bool fastCausal = false;
  if (!keyPadding && !extraMask) {
    if (causal && tq == tk) {
      fastCausal = true;
    } else if (causal && tq < tk) {
      mask = at::ones({tq, tk}, q.options().dtype(at::kBool)).tril(tk - tq);
    } else if (causal) {
      mask = at::ones({tq, tk}, q.options().dtype(at::kBool)).tril(tk - tq);
      rowHasKey = mask->any(-1, true);
    }
  } else {
    at::Tensor m = at::ones({1, 1, tq, tk}, q.options().dtype(at::kBool));
    if (causal) m = m.tril(tk - tq);
    if (keyPadding) {
      TORCH_CHECK(keyPadding->scalar_type() == at::kBool, "keyPadding must be a bool tensor, got ", keyPadding->scalar_type());
      TORCH_CHECK(keyPadding->dim() == 2 && keyPadding->size(0) == q.size(0) && keyPadding->size(1) == tk,
                  "keyPadding must have shape (B, Tk) = (", q.size(0), ", ", tk, "), got ", keyPadding->sizes());
      m = m.logical_and(keyPadding->to(q.device()).view({q.size(0), 1, 1, tk}));
    }
    at::Tensor additive;
    if (extraMask) {
      if (extraMask->scalar_type() == at::kBool) {
        m = m.logical_and(*extraMask);
      } else {
        additive = *extraMask;
      }
    }
    rowHasKey = m.any(-1, true);
    m = m.logical_or(rowHasKey->logical_not());
    if (additive.defined()) {
      at::Tensor f = at::zeros(m.sizes(), q.options()).masked_fill(m.logical_not(), -std::numeric_limits<double>::infinity());
      mask = f + additive.to(q.scalar_type());
    } else {
      mask = m;
    }
  }
  at::Tensor out;
#if CLINSUM_TORCH_AT_LEAST(2, 1)
  out = at::scaled_dot_product_attention(q, k, v, mask, dropoutP, fastCausal, scale);
#else
  if (scale) q = q * (*scale * std::sqrt(static_cast<double>(q.size(-1))));
#if CLINSUM_TORCH_AT_LEAST(2, 0)
  out = at::scaled_dot_product_attention(q, k, v, mask, dropoutP, fastCausal);
#else
  // 1.13's (private) kernel turns a bool mask into an additive -inf mask itself.
  out = std::get<0>(at::_scaled_dot_product_attention(q, k, v, mask, dropoutP, false, fastCausal));
#endif
#endif
  if (rowHasKey) out = out.masked_fill(rowHasKey->logical_not(), 0);
  return out;
}

// Categorical sampling from probabilities (..., V) with an optional CPU generator. With
// replacement it inverts the CDF (uniforms are drawn on the CPU, so a seed gives the same
// draws on every device); without replacement it uses at::multinomial (CPU tensors only).
at::Tensor sampleCategorical(const at::Tensor& probs, int64_t n, bool replacement, const c10::optional<at::Generator>& gen) {
  TORCH_CHECK(probs.dim() >= 1 && probs.size(-1) > 0, "multinomial needs probabilities of shape (..., V) with V > 0, got ", probs.sizes());
  TORCH_CHECK(n > 0, "multinomial needs numSamples > 0, got ", n);
  TORCH_CHECK(at::isFloatingType(probs.scalar_type()), "multinomial needs floating-point probabilities, got ", probs.scalar_type());
  at::Tensor p = probs.detach().to(at::kDouble);
  TORCH_CHECK(p.isfinite().all().item<bool>() && (p >= 0).all().item<bool>(), "multinomial: probabilities must be finite and non-negative");
  at::Tensor cdf = p.cumsum(-1);
  at::Tensor total = cdf.narrow(-1, cdf.size(-1) - 1, 1);
  TORCH_CHECK((total > 0).all().item<bool>(), "multinomial: every row needs a positive total probability");
  if (!replacement) {
    TORCH_CHECK(probs.device().is_cpu() || !gen, "multinomial without replacement and a generator needs CPU probabilities");
    return at::multinomial(probs, n, false, gen);
  }
  std::vector<int64_t> ushape(p.sizes().begin(), p.sizes().end());
  ushape.back() = n;
  at::Tensor u = at::rand(ushape, gen, at::TensorOptions().dtype(at::kDouble)).to(p.device());
  at::Tensor idx = at::searchsorted(cdf, u * total, false, true);
  return idx.clamp_max(p.size(-1) - 1);
}

}  // namespace

void registerNnOps(Napi::Env env, Napi::Object exports) {
  // Which fused CUDA kernels this build uses (engineInfo, clinsum doctor).
  OP("fusedKernels") {
    Napi::Object o = Napi::Object::New(a.env);
#ifdef CLINSUM_FUSED_OPTIM
    o.Set("adamw", true);
#else
    o.Set("adamw", false);
#endif
#ifdef CLINSUM_FUSED_RMS_NORM
    o.Set("rmsNorm", true);
#else
    o.Set("rmsNorm", false);
#endif
    return o;
  });
  OP("linear") { return a.out(at::linear(a.t(0), a.t(1), a.optT(2))); });
  OP("embedding") { return a.out(at::embedding(a.t(0), a.t(1), a.i64(2), false, false)); });
  OP("layerNorm") { return a.out(at::layer_norm(a.t(0), a.ints(1), a.optT(2), a.optT(3), a.f64(4), true)); });
  OP("rmsNorm") { return a.out(rmsNorm(a.t(0), a.optT(1), a.f64(2))); });
  OP("softmax") {
    auto dtype = a.optDtype(2);
    return a.out(at::softmax(a.t(0), a.i64(1), dtype ? c10::optional<at::ScalarType>(*dtype) : c10::nullopt));
  });
  OP("logSoftmax") {
    auto dtype = a.optDtype(2);
    return a.out(at::log_softmax(a.t(0), a.i64(1), dtype ? c10::optional<at::ScalarType>(*dtype) : c10::nullopt));
  });
  OP("dropout") { return a.out(at::dropout(a.t(0), a.f64(1), a.b(2))); });
  OP("crossEntropy") {
    int64_t reduction = a.i64(3);
    if (reduction < 0 || reduction > 2) throw ArgError("reduction code must be 0 (none), 1 (mean) or 2 (sum)");
    return a.out(at::cross_entropy_loss(a.t(0), a.t(1), a.optT(2), reduction, a.i64(4), a.f64(5)));
  });
  OP("attention") {
    auto scale = a.optF64(7);
    return a.out(attention(a.t(0), a.t(1), a.t(2), a.optT(3), a.optT(4), a.b(5), a.f64(6),
                           scale ? c10::optional<double>(*scale) : c10::nullopt));
  });
  OP("multinomial") {
    auto gen = a.optGen(3);
    return a.out(sampleCategorical(a.t(0), a.i64(1), a.b(2), gen ? c10::optional<at::Generator>(*gen) : c10::nullopt));
  });

  // ---- optimisation
  // One AdamW step (torch.optim.AdamW semantics, decoupled weight decay) over parameters that
  // all have gradients; steps[i] is the parameter's step count after this update.
  OP("adamwStep") {
    auto params = a.tensors(0);
    auto expAvg = a.tensors(1);
    auto expAvgSq = a.tensors(2);
    auto steps = a.ints(3);
    const double lr = a.f64(4), beta1 = a.f64(5), beta2 = a.f64(6), eps = a.f64(7), wd = a.f64(8);
    if (expAvg.size() != params.size() || expAvgSq.size() != params.size() || steps.size() != params.size()) {
      throw ArgError("adamwStep needs as many states and step counts as parameters");
    }
    c10::NoGradGuard noGrad;
    for (size_t i = 0; i < params.size(); i++) {
      const at::Tensor& p = params[i];
      TORCH_CHECK(p.grad().defined(), "adamwStep: parameter ", i, " has no gradient");
      TORCH_CHECK(expAvg[i].sizes() == p.sizes() && expAvgSq[i].sizes() == p.sizes(), "adamwStep: state ", i, " does not match its parameter");
      TORCH_CHECK(steps[i] >= 1, "adamwStep: step counts start at 1");
    }
#ifdef CLINSUM_FUSED_OPTIM
    // CUDA parameters go to the fused kernel in buckets of one device, dtype and step count
    // (the kernel's conditions: parameter, gradient and both states of one dtype and device).
    std::map<std::tuple<int, int, int64_t>, std::vector<size_t>> buckets;
    std::vector<size_t> rest;
    for (size_t i = 0; i < params.size(); i++) {
      const at::Tensor& p = params[i];
      const at::ScalarType dt = p.scalar_type();
      bool fusable = p.is_cuda() && (dt == at::kFloat || isHalfLike(dt));
      for (const at::Tensor& t : {p.grad(), expAvg[i], expAvgSq[i]}) {
        fusable = fusable && !t.is_sparse() && t.scalar_type() == dt && t.device() == p.device();
      }
      if (fusable) buckets[{p.device().index(), static_cast<int>(dt), steps[i]}].push_back(i);
      else rest.push_back(i);
    }
    for (const auto& [key, idx] : buckets) {
      std::vector<at::Tensor> ps, gs, ms, vs, counts;
      const at::Tensor count = at::full({}, static_cast<double>(std::get<2>(key)), params[idx[0]].options().dtype(at::kFloat));
      for (size_t i : idx) {
        ps.push_back(params[i]);
        gs.push_back(params[i].grad());
        ms.push_back(expAvg[i]);
        vs.push_back(expAvgSq[i]);
        counts.push_back(count);
      }
      at::_fused_adamw_(ps, gs, ms, vs, at::TensorList(), counts, lr, beta1, beta2, wd, eps, /*amsgrad=*/false, /*maximize=*/false);
    }
#else
    std::vector<size_t> rest(params.size());
    for (size_t i = 0; i < params.size(); i++) rest[i] = i;
#endif
    for (size_t i : rest) {
      at::Tensor& p = params[i];
      const at::Tensor& g = p.grad();
      const double step = static_cast<double>(steps[i]);
      if (wd != 0) p.mul_(1 - lr * wd);
      expAvg[i].lerp_(g, 1 - beta1);
      expAvgSq[i].mul_(beta2).addcmul_(g, g, 1 - beta2);
      const double bc1 = 1 - std::pow(beta1, step);
      const double bc2 = 1 - std::pow(beta2, step);
      const double stepSize = lr / bc1;
      at::Tensor denom = (expAvgSq[i].sqrt() / std::sqrt(bc2)).add_(eps);
      p.addcdiv_(expAvg[i], denom, -stepSize);
    }
    return a.undefined();
  });
  // Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_); returns the total norm.
  OP("clipGradNorm") {
    auto params = a.tensors(0);
    const double maxNorm = a.f64(1);
    const double normType = a.f64(2);
    std::vector<at::Tensor> grads;
    for (auto& p : params) {
      if (p.grad().defined()) grads.push_back(p.grad());
    }
    if (grads.empty()) return a.num(0);
    c10::NoGradGuard noGrad;
    const at::Device dev = grads[0].device();
    // Gradients of one floating dtype on one device: one foreach launch for all the norms
    // (what clip_grad_norm_ does); otherwise one norm each, accumulated in float (double stays).
    bool uniform = true;
    for (auto& g : grads) {
      uniform = uniform && g.device() == dev && g.scalar_type() == grads[0].scalar_type() && !g.is_sparse();
    }
    const at::ScalarType gt = grads[0].scalar_type();
    std::vector<at::Tensor> norms;
    if (uniform && (gt == at::kFloat || gt == at::kDouble)) {
      norms = at::_foreach_norm(grads, normType);
    } else {
      norms.reserve(grads.size());
      for (auto& g : grads) {
        auto dt = g.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
        norms.push_back(at::linalg_vector_norm(g, normType, c10::nullopt, false, dt).to(dev, at::kDouble));
      }
    }
    at::Tensor total = at::linalg_vector_norm(at::stack(norms).to(at::kDouble), normType, c10::nullopt, false, c10::nullopt);
    at::Tensor coef = (maxNorm / (total + 1e-6)).clamp_max(1.0);
#ifdef CLINSUM_FUSED_OPTIM
    if (uniform && dev.is_cuda()) {
      at::_foreach_mul_(grads, coef.to(gt));
      return a.num(total.item<double>());
    }
#endif
    std::map<std::pair<std::string, int>, at::Tensor> coefs;  // one conversion per device and dtype
    for (auto& g : grads) {
      auto& c = coefs[{g.device().str(), static_cast<int>(g.scalar_type())}];
      if (!c.defined()) c = coef.to(g.device(), g.scalar_type());
      g.mul_(c);
    }
    return a.num(total.item<double>());
  });
}

}  // namespace clinsum
