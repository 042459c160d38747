"""The training step of bench/train/gpu.ts in transformers + PyTorch, on the same weights and batch.

Reads DIR/model (a Hugging Face folder written by clinsum) and DIR/batch.json, and times, for
each variant, the step clinsum runs: float32 master weights, bf16 autocast, the weighted loss
gamma * mean CE(sum tokens) + (1 - gamma) * mean CE(ext tokens) over one right-padded micro-batch
(causal attention, no mask: right padding never reaches a real token), global-norm clipping at 1.0,
torch.optim.AdamW (fused) with the paper's settings, two parameter groups (no decay on norms and
biases). Variants:
  pytorch-hf         model(input_ids).logits: logits at every position, as transformers computes them
  pytorch-selective  model.model(...) hidden states gathered at the supervised positions, then
                     lm_head: the same algorithm as clinsum
Writes a JSON list of {side, steps, msPerStep, realTokens, paddedTokens, usefulTokens, firstLoss,
peakMemoryGiB, device} to stdout.

  python3 scripts/gpu/train-bench.py --dir DIR [--steps 10] [--warmup 3] [--profile]

--profile: after the timed steps of pytorch-selective, 2 more steps under torch.profiler (CPU
operators and CUDA kernels) → DIR/pytorch-trace.json, which bench/train/gpu.ts --report sets beside
clinsum's trace.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F
import transformers
from transformers import AutoModelForCausalLM


PROFILED_STEPS = 2  # as bench/train/gpu.ts


def load(model_dir):
    try:
        m = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="sdpa")
    except TypeError:
        m = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32, attn_implementation="sdpa")
    return m.cuda().train()


def full_fp32_matmuls():
    """float32 matmuls in full precision (no TF32), as clinsum runs them. PyTorch 2.9+ has
    fp32_precision and deprecates allow_tf32; setting only the new one keeps the two from mixing."""
    matmul = torch.backends.cuda.matmul
    try:
        matmul.fp32_precision = "ieee"
    except (AttributeError, AssertionError):  # before 2.9 (an unknown name: AssertionError up to 1.13)
        matmul.allow_tf32 = False


def optimizer(model):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if ("norm" in name or "bias" in name) else decay).append(p)
    groups = [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=1e-5, betas=(0.9, 0.999), eps=1e-8, fused=True)


def make_batch(spec):
    ex = spec["examples"]
    B, T = len(ex), max(len(e["ids"]) for e in ex)
    ids = torch.full((B, T), spec["pad"], dtype=torch.long)
    at, targets, is_sum = [], [], []
    n_sum = sum(sum(1 for l in e["labels"] if l != -100) for e in ex if e["task"] == "sum")
    n_ext = sum(sum(1 for l in e["labels"] if l != -100) for e in ex if e["task"] == "ext")
    for b, e in enumerate(ex):
        ids[b, : len(e["ids"])] = torch.tensor(e["ids"])
        for t in range(len(e["ids"]) - 1):
            y = e["labels"][t + 1]
            if y != -100:
                at.append(b * T + t)
                targets.append(y)
                is_sum.append(e["task"] == "sum")
    g = spec["gamma"]
    is_sum_t = torch.tensor(is_sum)
    weights = torch.where(is_sum_t, torch.tensor(g / n_sum), torch.tensor((1 - g) / n_ext))
    return {
        "ids": ids.cuda(),
        "at": torch.tensor(at).cuda(),
        "targets": torch.tensor(targets).cuda(),
        "weights": weights.cuda(),
        "is_sum": is_sum_t.cuda(),
        "B": B,
        "T": T,
        "real": sum(len(e["ids"]) for e in ex),
        "useful": len(at),
    }


def step(model, opt, batch, variant):
    with torch.autocast("cuda", dtype=torch.bfloat16):
        if variant == "pytorch-hf":
            logits = model(input_ids=batch["ids"], use_cache=False).logits  # (B, T, V)
            logits = logits.reshape(-1, logits.shape[-1])[batch["at"]]
        else:
            hidden = model.model(input_ids=batch["ids"], use_cache=False).last_hidden_state  # (B, T, C), after the final norm
            logits = model.lm_head(hidden.reshape(-1, hidden.shape[-1])[batch["at"]])
        per_token = F.cross_entropy(logits.float(), batch["targets"], reduction="none")
        loss = (per_token * batch["weights"]).sum()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    pt = per_token.detach()
    s = batch["is_sum"]
    return 0.8 * pt[s].mean().item() + 0.2 * pt[~s].mean().item()


def profile(bench_dir, spec, warmup):
    """After every variant is timed (so no profiler state touches a timing): a fresh
    pytorch-selective, warmed up, then PROFILED_STEPS steps under torch.profiler (CPU operators,
    CUDA kernels) -> DIR/pytorch-trace.json. Best effort: a failure loses the trace, not the timings."""
    try:
        model = load(f"{bench_dir}/model")
        opt = optimizer(model)
        batch = make_batch(spec)
        for _ in range(warmup):
            step(model, opt, batch, "pytorch-selective")
        torch.cuda.synchronize()
        acts = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
        with torch.profiler.profile(activities=acts) as prof:
            for _ in range(PROFILED_STEPS):
                step(model, opt, batch, "pytorch-selective")
            torch.cuda.synchronize()
        prof.export_chrome_trace(f"{bench_dir}/pytorch-trace.json")
    except Exception as e:  # noqa: BLE001 - reported, the benchmark goes on
        print(f"train-bench.py: profiling failed, no trace: {e!r}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--variants", default="pytorch-selective,pytorch-hf")
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    spec = json.load(open(f"{a.dir}/batch.json"))
    assert abs(spec["gamma"] - 0.8) < 1e-12
    full_fp32_matmuls()
    out = []
    for variant in a.variants.split(","):
        model = load(f"{a.dir}/model")
        opt = optimizer(model)
        batch = make_batch(spec)
        torch.cuda.reset_peak_memory_stats()
        first = None
        for i in range(a.warmup):
            l = step(model, opt, batch, variant)
            first = l if first is None else first
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(a.steps):
            step(model, opt, batch, variant)
        torch.cuda.synchronize()
        ms = (time.perf_counter() - t0) * 1000 / a.steps
        out.append({
            "side": f"{variant} (torch {torch.__version__}, transformers {transformers.__version__})",
            "steps": a.steps,
            "msPerStep": ms,
            "realTokens": batch["real"],
            "paddedTokens": batch["B"] * batch["T"],
            "usefulTokens": batch["useful"],
            "firstLoss": first,
            "peakMemoryGiB": torch.cuda.max_memory_allocated() / 2**30,
            "device": torch.cuda.get_device_name(0),
        })
        del model, opt, batch
        torch.cuda.empty_cache()
    if a.profile:
        profile(a.dir, spec, a.warmup)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
