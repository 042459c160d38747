#!/usr/bin/python3
"""The reference for bench/bertscore: bert_score's computation in Python PyTorch on given ids.

Reads the job JSON written by bench.ts (model folder, layer, batch size, token ids of the
predictions and references), loads the DistilBERT weights from model.safetensors with a small
reader, then does what bert_score 0.3.13 does after tokenizing: embeddings of the distinct texts
in batches (transformers' DistilBERT forward, cut at `layer`), then greedy_cos_idf over
consecutive batches of pairs (no idf: weight 1, [CLS]/[SEP] 0). Prints the time of that work
and P, R, F as JSON.
"""
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[8 + n + a : 8 + n + b], dtype="<f4").reshape(info["shape"]).copy())
    return out


def distilbert(W, cfg, ids, mask, layers):
    b, t = ids.shape
    dim, heads = cfg["dim"], cfg["n_heads"]
    hs = dim // heads
    lin = lambda name, x: F.linear(x, W[name + ".weight"], W[name + ".bias"])
    ln = lambda name, x: F.layer_norm(x, (dim,), W[name + ".weight"], W[name + ".bias"], 1e-12)
    split = lambda x: x.view(b, t, heads, hs).transpose(1, 2)
    h = ln("embeddings.LayerNorm", W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][torch.arange(t)])
    m = (mask == 0).view(b, 1, 1, t).expand(b, heads, t, t)
    for i in range(layers):
        p = f"transformer.layer.{i}."
        q = split(lin(p + "attention.q_lin", h)) / math.sqrt(hs)
        k = split(lin(p + "attention.k_lin", h))
        v = split(lin(p + "attention.v_lin", h))
        scores = (q @ k.transpose(2, 3)).masked_fill(m, torch.finfo(torch.float32).min)
        ctx = (F.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, t, dim)
        sa = ln(p + "sa_layer_norm", lin(p + "attention.out_lin", ctx) + h)
        h = ln(p + "output_layer_norm", lin(p + "ffn.lin2", F.gelu(lin(p + "ffn.lin1", sa))) + sa)
    return h


def greedy_cos_idf(ref_embedding, ref_masks, ref_idf, hyp_embedding, hyp_masks, hyp_idf):
    ref_embedding.div_(torch.norm(ref_embedding, dim=-1).unsqueeze(-1))
    hyp_embedding.div_(torch.norm(hyp_embedding, dim=-1).unsqueeze(-1))
    batch_size = ref_embedding.size(0)
    sim = torch.bmm(hyp_embedding, ref_embedding.transpose(1, 2))
    masks = torch.bmm(hyp_masks.unsqueeze(2).float(), ref_masks.unsqueeze(1).float())
    masks = masks.expand(batch_size, -1, -1).contiguous().view_as(sim)
    sim = sim * masks.float()
    word_precision = sim.max(dim=2)[0]
    word_recall = sim.max(dim=1)[0]
    hyp_idf.div_(hyp_idf.sum(dim=1, keepdim=True))
    ref_idf.div_(ref_idf.sum(dim=1, keepdim=True))
    P = (word_precision * hyp_idf).sum(dim=1)
    R = (word_recall * ref_idf).sum(dim=1)
    F1 = 2 * P * R / (P + R)
    hyp_zero = hyp_masks.sum(dim=1).eq(2)
    ref_zero = ref_masks.sum(dim=1).eq(2)
    P = P.masked_fill(hyp_zero | ref_zero, 0.0)
    R = R.masked_fill(hyp_zero | ref_zero, 0.0)
    return P, R, F1.masked_fill(torch.isnan(F1), 0.0)


def main():
    job = json.load(open(sys.argv[1]))
    torch.set_num_threads(job["threads"])
    folder = job["model"]
    cfg = json.load(open(folder + "/config.json"))
    W = read_safetensors(folder + "/model.safetensors")
    preds, refs, bs, pad = job["preds"], job["refs"], job["batch_size"], job["pad"]
    zero = {job["cls"], job["sep"]}
    start = time.perf_counter()
    with torch.no_grad():
        # bert_cos_score_idf: distinct sentences, longest first, embedded in batches
        sentences = sorted({tuple(x) for x in preds + refs}, key=len, reverse=True)
        stats = {}
        for s in range(0, len(sentences), bs):
            batch = sentences[s : s + bs]
            t = len(batch[0])
            ids = torch.full((len(batch), t), pad, dtype=torch.long)
            mask = torch.zeros(len(batch), t, dtype=torch.long)
            for i, x in enumerate(batch):
                ids[i, : len(x)] = torch.tensor(x)
                mask[i, : len(x)] = 1
            emb = distilbert(W, cfg, ids, mask, job["layer"])
            for i, x in enumerate(batch):
                stats[x] = (emb[i, : len(x)], torch.tensor([0.0 if tok in zero else 1.0 for tok in x]))

        def pad_batch(seqs):
            emb = [stats[tuple(x)][0] for x in seqs]
            idf = [stats[tuple(x)][1] for x in seqs]
            lens = torch.tensor([e.size(0) for e in emb])
            return (pad_sequence(emb, batch_first=True, padding_value=2.0),
                    torch.arange(lens.max()).expand(len(lens), -1) < lens.unsqueeze(1),
                    pad_sequence(idf, batch_first=True))

        out = []
        for s in range(0, len(refs), bs):
            P, R, F1 = greedy_cos_idf(*pad_batch(refs[s : s + bs]), *pad_batch(preds[s : s + bs]))
            out.append(torch.stack((P, R, F1), dim=-1))
        preds_t = torch.cat(out, dim=0)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "torch": torch.__version__, "P": preds_t[:, 0].tolist(), "R": preds_t[:, 1].tolist(), "F": preds_t[:, 2].tolist()}))


if __name__ == "__main__":
    main()
