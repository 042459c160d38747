#!/usr/bin/env python3
"""The PyTorch side of bench/engine: the same work as engine.ts, timed the same way.

engine.ts runs it with --serve: it prints {"torch": version, "threads": n} and then answers
each line naming a figure (add, matmul, step, bf16) with {"value": ...}, so that the two sides
can alternate figure by figure. Alone it prints every figure once:
    /usr/bin/python3 bench/engine/reference.py --threads 1 --device cpu
"""
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def best(fn, rounds, device):
    """Best wall time of `rounds` calls of fn (after one warm-up call)."""
    fn()
    sync(device)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t0)
    return min(times)


def tiny_add_us(n, device):
    a = torch.ones(1, device=device)
    b = torch.ones(1, device=device)

    def loop():
        for _ in range(n):
            c = torch.add(a, b)
        return c

    return best(loop, 5, device) / n * 1e6


def matmul_flops(size, dtype, device, reps):
    a = torch.randn(size, size, dtype=dtype, device=device)
    b = torch.randn(size, size, dtype=dtype, device=device)

    def loop():
        for _ in range(reps):
            c = a @ b
        return c

    return 2 * size**3 * reps / best(loop, 5, device)


def attention(q, k, v):
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return F._scaled_dot_product_attention(q, k, v, None, 0.0, False, True)[0]  # torch 1.13


def rms_norm(x, w, eps=1e-6):
    h = x.float()
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return w * h.to(x.dtype)


def train_step_ms(device, steps):
    """One training step of a pre-norm attention block + SiLU MLP + LM head (same as engine.ts)."""
    torch.manual_seed(0)
    V, D, H, T, B = 512, 128, 4, 64, 8
    hs = D // H
    p = {
        "emb": torch.randn(V, D, device=device) * 0.02,
        "n1": torch.ones(D, device=device),
        "qkv": torch.randn(3 * D, D, device=device) * 0.02,
        "o": torch.randn(D, D, device=device) * 0.02,
        "n2": torch.ones(D, device=device),
        "up": torch.randn(4 * D, D, device=device) * 0.02,
        "down": torch.randn(D, 4 * D, device=device) * 0.02,
        "head": torch.randn(V, D, device=device) * 0.02,
    }
    for t in p.values():
        t.requires_grad_(True)
    opt = torch.optim.AdamW(list(p.values()), lr=1e-3)
    ids = torch.randint(0, V, (B, T + 1), device=device)
    x, y = ids[:, :T], ids[:, 1:]

    def step():
        h = F.embedding(x, p["emb"])
        qkv = F.linear(rms_norm(h, p["n1"]), p["qkv"]).view(B, T, 3, H, hs).permute(2, 0, 3, 1, 4)
        a = attention(qkv[0], qkv[1], qkv[2])
        h = h + F.linear(a.transpose(1, 2).reshape(B, T, D), p["o"])
        h = h + F.linear(F.silu(F.linear(rms_norm(h, p["n2"]), p["up"])), p["down"])
        loss = F.cross_entropy(F.linear(h, p["head"]).view(B * T, V), y.reshape(B * T))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(p.values()), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)

    def loop():
        for _ in range(steps):
            step()

    return best(loop, 3, device) / steps * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--add-iters", type=int, default=200000)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    figures = {
        "add": lambda: tiny_add_us(args.add_iters, args.device),
        "matmul": lambda: matmul_flops(1024, torch.float32, args.device, 10 if args.device == "cpu" else 50) / 1e9,
        "step": lambda: train_step_ms(args.device, args.steps),
        "bf16": lambda: matmul_flops(8192, torch.bfloat16, args.device, 20) / 1e12,
    }
    head = {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": args.device}
    if not args.serve:
        names = ["add", "matmul", "step"] + (["bf16"] if args.device.startswith("cuda") else [])
        print(json.dumps({**head, **{n: figures[n]() for n in names}}))
        return
    print(json.dumps(head), flush=True)
    for line in sys.stdin:
        name = line.strip()
        if not name:
            continue
        print(json.dumps({"value": figures[name]()}), flush=True)


if __name__ == "__main__":
    main()
