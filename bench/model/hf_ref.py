#!/usr/bin/env python3
"""The transformers side of bench/model/gpu.ts: Qwen2ForCausalLM (transformers' own) on the folder
gpu.ts wrote, doing the same work — training steps (float32 master weights, bf16 autocast, AdamW;
plain and with gradient checkpointing) and greedy generation in bf16 — timed the same way.

Prints one JSON object: {"transformers", "torch", "train": {tokensPerS, stepMs, peakBytes, loss},
"trainCheckpointed": {...}, "generate": {"tokensPerS": {batch: ...}, "tokens": [[...]]},
"loading": {missing_keys, unexpected_keys, mismatched_keys}} (from_pretrained's loading info: clinsum's
folder must load with all three empty).
    python3 bench/model/hf_ref.py --model DIR --data data.json [--device cuda]
"""
import argparse
import json
import time

import torch
import transformers
from transformers import AutoModelForCausalLM


LOADING = {}


def load(path, dtype, device):
    """The folder clinsum wrote, read by from_pretrained; what it could not match is kept in LOADING."""
    kw = dict(attn_implementation="sdpa", output_loading_info=True)
    try:
        model, info = AutoModelForCausalLM.from_pretrained(path, dtype=dtype, **kw)
    except TypeError:  # transformers < 4.56 names it torch_dtype
        model, info = AutoModelForCausalLM.from_pretrained(path, torch_dtype=dtype, **kw)
    for key in ("missing_keys", "unexpected_keys", "mismatched_keys"):
        LOADING[key] = sorted(str(k) for k in (info.get(key) or []))
    return model.to(device)


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def peak(device):
    return torch.cuda.max_memory_allocated(device) if device.startswith("cuda") else None


def reset_peak(device):
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats(device)


def train(args, data, checkpoint):
    dev = args.device
    model = load(args.model, torch.float32, dev)
    model.train()
    if checkpoint:
        # Non-reentrant checkpointing, named explicitly: transformers 5 defaults to it, 4.35–4.x to the
        # reentrant kind; torch.utils.checkpoint wants use_reentrant passed.
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01)
    ids = torch.tensor(data["train"], dtype=torch.int64, device=dev)
    b, t = ids.shape
    dtype = torch.bfloat16

    def step():
        with torch.autocast(device_type="cuda" if dev.startswith("cuda") else "cpu", dtype=dtype):
            # use_cache=False: a training forward keeps no KV cache (transformers would build a
            # DynamicCache from config.use_cache otherwise).
            out = model(input_ids=ids, labels=ids, use_cache=False)
        out.loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return out.loss.item()

    step()
    sync(dev)
    reset_peak(dev)
    times = []
    loss = 0.0
    for _ in range(args.steps):
        t0 = time.perf_counter()
        loss = step()
        sync(dev)
        times.append(time.perf_counter() - t0)
    ms = sorted(times)[len(times) // 2] * 1000
    res = {"tokensPerS": b * t / (ms / 1000), "stepMs": ms, "peakBytes": peak(dev), "loss": loss}
    del model, opt
    if dev.startswith("cuda"):
        torch.cuda.empty_cache()
    return res


# gpu.ts's stand-in end-of-sequence id (a random model has no real one): transformers' side stops on
# the same id, and min_new_tokens keeps it from being picked, so it runs the full NEW tokens.
STAND_IN_EOS = 151935


def generate(args, data):
    dev = args.device
    # Loaded outside inference mode (parameters stay ordinary tensors); only generation runs inside.
    model = load(args.model, torch.bfloat16 if dev.startswith("cuda") else torch.float32, dev).eval()
    with torch.inference_mode():
        return generate_timed(args, data, model)


def generate_timed(args, data, model):
    dev = args.device
    prompts = torch.tensor(data["prompts"], dtype=torch.int64, device=dev)
    out = {}
    tokens = None
    batches = [int(x) for x in args.gen_batch.split(",")]
    for g in batches:
        ids = prompts[:g]
        kw = dict(attention_mask=torch.ones_like(ids), do_sample=False, eos_token_id=STAND_IN_EOS, pad_token_id=0, temperature=None, top_p=None, top_k=None)
        model.generate(ids, max_new_tokens=8, min_new_tokens=8, **kw)
        times = []
        for _ in range(args.gen_rounds):
            sync(dev)
            t0 = time.perf_counter()
            res = model.generate(ids, max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens, **kw)
            sync(dev)
            times.append(time.perf_counter() - t0)
            if g == batches[0]:
                tokens = res[:, ids.shape[1]:].tolist()
        out[str(g)] = g * args.new_tokens / sorted(times)[len(times) // 2]
    return {"tokensPerS": out, "tokens": tokens}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--gen-batch", default="1,8")
    ap.add_argument("--new-tokens", type=int, default=256)
    ap.add_argument("--gen-rounds", type=int, default=3)
    args = ap.parse_args()
    with open(args.data) as f:
        data = json.load(f)
    result = {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "train": train(args, data, False),
        "trainCheckpointed": train(args, data, True),
        "generate": generate(args, data),
        "loading": LOADING,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
