#!/usr/bin/env python3
"""A Qwen2 causal LM in plain PyTorch, written for bench/model (the reference side).

It follows transformers' modeling_qwen2.py (Qwen2RMSNorm, rotary embedding with the rotate-half
convention and inv_freq in float32, q/k/v with bias, o without, grouped-query attention, SwiGLU MLP,
tied or untied lm_head) and generates greedily with a preallocated KV cache, so that the benchmark
compares the same computation. It reads a clinsum/Hugging Face model folder (config.json +
model.safetensors, F32/BF16/F16) without the `safetensors` package.

Usable alone:
    /usr/bin/python3 bench/model/qwen2_ref.py --model DIR --threads 1 [--device cpu]
prints one JSON object with the best timings; with --serve it answers one figure per stdin line
(`step` | `gen`), which is how bench/model/model.ts alternates the two sides round by round.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ST_DTYPES = {"F32": (np.float32, torch.float32), "F16": (np.float16, torch.float16), "BF16": (np.uint16, torch.bfloat16)}


def read_safetensors(path):
    """name -> tensor (CPU), for F32/F16/BF16 files."""
    out = {}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        for name, info in header.items():
            if name == "__metadata__":
                continue
            np_dtype, t_dtype = ST_DTYPES[info["dtype"]]
            b, e = info["data_offsets"]
            f.seek(base + b)
            arr = np.frombuffer(f.read(e - b), dtype=np_dtype).copy().reshape(info["shape"])
            t = torch.from_numpy(arr)
            if t_dtype == torch.bfloat16:
                t = t.view(torch.int16).view(torch.bfloat16) if hasattr(t, "view") else t
            out[name] = t
    return out


def load_weights(model_dir):
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        return read_safetensors(single)
    with open(os.path.join(model_dir, "model.safetensors.index.json")) as f:
        index = json.load(f)
    sd = {}
    for shard in sorted(set(index["weight_map"].values())):
        sd.update(read_safetensors(os.path.join(model_dir, shard)))
    return sd


def rms_norm(x, w, eps):
    """Qwen2RMSNorm: normalise in float32, cast back, scale."""
    dtype = x.dtype
    h = x.to(torch.float32)
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return w * h.to(dtype)


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def attention(q, k, v, causal, mask=None):
    """q (B,H,Tq,D), k/v (B,Hk,Tk,D); GQA by repeating k/v heads (transformers' repeat_kv)."""
    rep = q.shape[1] // k.shape[1]
    if rep > 1:
        b, hk, t, d = k.shape
        k = k[:, :, None].expand(b, hk, rep, t, d).reshape(b, hk * rep, t, d)
        v = v[:, :, None].expand(b, hk, rep, t, d).reshape(b, hk * rep, t, d)
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal and mask is None)
    return F._scaled_dot_product_attention(q, k, v, mask, 0.0, False, causal and mask is None)[0]  # torch 1.13


class Qwen2:
    def __init__(self, cfg, sd, device, dtype):
        self.cfg = cfg
        self.h = cfg["hidden_size"]
        self.nh = cfg["num_attention_heads"]
        self.nkv = cfg.get("num_key_value_heads") or self.nh
        self.hd = cfg.get("head_dim") or self.h // self.nh
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.L = cfg["num_hidden_layers"]
        # Copied into memory torch allocates (as transformers' parameters are): numpy's buffers
        # get transparent huge pages (madvise) where torch 1.13's allocator's do not, which alone
        # makes memory-bound decoding ~7% faster and would compare allocators, not frameworks.
        self.p = {k: v.to(device=device, dtype=dtype, copy=True) for k, v in sd.items()}
        self.lm_head = self.p["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else self.p["lm_head.weight"]
        theta = cfg.get("rope_theta", 10000.0)
        self.inv_freq = (1.0 / (theta ** (torch.arange(0, self.hd, 2, dtype=torch.int64).float() / self.hd))).to(device)
        self.device = device
        self.dtype = dtype

    def parameters(self):
        return list(self.p.values())

    def rope(self, positions, dtype):
        freqs = positions.float()[..., None] * self.inv_freq  # (B, T, D/2)
        emb = torch.cat((freqs, freqs), dim=-1)[:, None]
        return emb.cos().to(dtype), emb.sin().to(dtype)

    def layer(self, i, x, cos, sin, cache, past):
        p = self.p
        pre = f"model.layers.{i}."
        b, t, _ = x.shape
        h = rms_norm(x, p[pre + "input_layernorm.weight"], self.eps)
        q = F.linear(h, p[pre + "self_attn.q_proj.weight"], p[pre + "self_attn.q_proj.bias"]).view(b, t, self.nh, self.hd).transpose(1, 2)
        k = F.linear(h, p[pre + "self_attn.k_proj.weight"], p[pre + "self_attn.k_proj.bias"]).view(b, t, self.nkv, self.hd).transpose(1, 2)
        v = F.linear(h, p[pre + "self_attn.v_proj.weight"], p[pre + "self_attn.v_proj.bias"]).view(b, t, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            ck, cv = cache[i]
            ck[:, :, past : past + t] = k
            cv[:, :, past : past + t] = v
            k = ck[:, :, : past + t]
            v = cv[:, :, : past + t]
        y = attention(q, k, v, causal=t > 1)
        y = y.transpose(1, 2).reshape(b, t, self.nh * self.hd)
        x = x + F.linear(y, p[pre + "self_attn.o_proj.weight"])
        h = rms_norm(x, p[pre + "post_attention_layernorm.weight"], self.eps)
        m = F.linear(F.silu(F.linear(h, p[pre + "mlp.gate_proj.weight"])) * F.linear(h, p[pre + "mlp.up_proj.weight"]), p[pre + "mlp.down_proj.weight"])
        return x + m

    def forward(self, ids, positions=None, logits_at=None, cache=None, past=0):
        b, t = ids.shape
        if positions is None:
            positions = torch.arange(past, past + t, device=ids.device)[None].expand(b, t)
        x = F.embedding(ids, self.p["model.embed_tokens.weight"])
        cos, sin = self.rope(positions, x.dtype)
        for i in range(self.L):
            x = self.layer(i, x, cos, sin, cache, past)
        if logits_at is not None:
            x = x.reshape(b * t, -1)[logits_at]
        x = rms_norm(x, self.p["model.norm.weight"], self.eps)
        return F.linear(x, self.lm_head)

    def new_cache(self, b, capacity):
        return [
            (torch.zeros(b, self.nkv, capacity, self.hd, dtype=self.dtype, device=self.device), torch.zeros(b, self.nkv, capacity, self.hd, dtype=self.dtype, device=self.device))
            for _ in range(self.L)
        ]

    @torch.inference_mode()
    def greedy(self, prompt, new_tokens):
        """prompt (B, T) int64 (no padding); returns (B, new_tokens)."""
        b, t = prompt.shape
        cache = self.new_cache(b, t + new_tokens)
        logits = self.forward(prompt, logits_at=torch.arange(t - 1, b * t, t, device=prompt.device), cache=cache, past=0)
        out = []
        past = t
        rows = torch.arange(b, device=prompt.device)
        for _ in range(new_tokens):
            nxt = logits.argmax(-1)
            out.append(nxt)
            if len(out) == new_tokens:
                break
            logits = self.forward(nxt[:, None], logits_at=rows, cache=cache, past=past)
            past += 1
        return torch.stack(out, 1)


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=4, help="training batch rows (tokens = batch x seq)")
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--gen-batch", type=int, default=1)
    ap.add_argument("--prompt", type=int, default=64)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--data", help='JSON {"train": [[ids]] (batch x seq), "prompts": [[ids]]}; default: random ids')
    ap.add_argument("--serve", action="store_true", help="answer one figure per stdin line (step | gen), for alternating with the caller")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(os.path.join(a.model, "config.json")) as f:
        cfg = json.load(f)
    model = Qwen2(cfg, load_weights(a.model), a.device, torch.float32)
    g = torch.Generator().manual_seed(0)
    V = cfg["vocab_size"]
    data = None
    if a.data:
        with open(a.data) as f:
            data = json.load(f)

    # training step: forward + backward of the mean token cross-entropy over batch x seq tokens
    ids = torch.tensor(data["train"], dtype=torch.int64) if data else torch.randint(0, V, (a.batch, a.seq), generator=g)
    ids = ids.to(a.device)
    b, t = ids.shape
    at = torch.arange(b * t, device=a.device).reshape(b, t)[:, :-1].reshape(-1)
    targets = ids[:, 1:].reshape(-1)
    params = model.parameters()
    for p in params:
        p.requires_grad_(True)

    def step():
        for p in params:
            p.grad = None
        loss = F.cross_entropy(model.forward(ids, logits_at=at), targets)
        loss.backward()
        return loss

    prompt = torch.tensor(data["prompts"], dtype=torch.int64) if data else torch.randint(0, V, (a.gen_batch, a.prompt), generator=g)
    prompt = prompt.to(a.device)

    # CPU time of the process on the CPU (steadier than wall time on a shared machine: time spent
    # descheduled is not counted), wall time on CUDA.
    clock = time.process_time if a.device == "cpu" else time.perf_counter

    def timed_step():
        sync(a.device)
        t0 = clock()
        step()
        sync(a.device)
        return {"value": (clock() - t0) * 1000}

    def timed_gen():
        sync(a.device)
        t0 = clock()
        toks = model.greedy(prompt, a.new_tokens)
        sync(a.device)
        return {"value": prompt.shape[0] * a.new_tokens / (clock() - t0), "tokens": toks.tolist()}

    step()  # warm-up
    model.greedy(prompt, 4)
    head = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    if a.serve:
        print(json.dumps(head), flush=True)
        figures = {"step": timed_step, "gen": timed_gen}
        for line in sys.stdin:
            name = line.strip()
            if name:
                print(json.dumps(figures[name]()), flush=True)
        return
    steps = [timed_step()["value"] for _ in range(a.rounds)]
    gens = [timed_gen() for _ in range(a.rounds)]
    print(json.dumps({**head, "stepMs": min(steps), "genTokensPerS": max(x["value"] for x in gens), "genTokens": gens[-1]["tokens"]}))


if __name__ == "__main__":
    main()
