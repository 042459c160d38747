#!/usr/bin/python3
"""Reference hidden states for clinsum's BERT-family encoders (src/models/bert/model.ts).

Writes three tiny random models in Hugging Face layout (config.json + model.safetensors) under
this folder -- bert (weights under the `bert.` prefix beside a task head, as BertForMaskedLM
saves them), distilbert (bare keys) and roberta (`roberta.` prefix, lm_head) -- reads the
safetensors back with a small reader, runs a straightforward PyTorch transcription of
transformers' modeling_bert.py / modeling_distilbert.py / modeling_roberta.py (eager attention,
evaluation mode) on a right-padded batch, and stores the hidden states after every layer count
in reference.json.

Run with Debian's python3-torch (no transformers needed): /usr/bin/python3 make-reference.py
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB, HIDDEN, HEADS, INTER, LAYERS, MAXTOK = 40, 16, 4, 32, 2, 24


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype=np.float32)
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32"
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[8 + n + a : 8 + n + b], dtype="<f4").reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def weights(names_shapes, rng, pad):
    w = {}
    for name, shape in names_shapes:
        if "LayerNorm" in name or "layer_norm" in name:
            base = 1.0 if name.endswith("weight") else 0.0
            w[name] = base + 0.1 * rng.standard_normal(shape)
        elif name.endswith("bias"):
            w[name] = 0.05 * rng.standard_normal(shape)
        else:
            w[name] = 0.3 * rng.standard_normal(shape)
    return w


def bert_names(maxpos, types):
    n = [("embeddings.word_embeddings.weight", (VOCAB, HIDDEN)), ("embeddings.position_embeddings.weight", (maxpos, HIDDEN)),
         ("embeddings.token_type_embeddings.weight", (types, HIDDEN)), ("embeddings.LayerNorm.weight", (HIDDEN,)), ("embeddings.LayerNorm.bias", (HIDDEN,))]
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for m in ("query", "key", "value"):
            n += [(p + f"attention.self.{m}.weight", (HIDDEN, HIDDEN)), (p + f"attention.self.{m}.bias", (HIDDEN,))]
        n += [(p + "attention.output.dense.weight", (HIDDEN, HIDDEN)), (p + "attention.output.dense.bias", (HIDDEN,)),
              (p + "attention.output.LayerNorm.weight", (HIDDEN,)), (p + "attention.output.LayerNorm.bias", (HIDDEN,)),
              (p + "intermediate.dense.weight", (INTER, HIDDEN)), (p + "intermediate.dense.bias", (INTER,)),
              (p + "output.dense.weight", (HIDDEN, INTER)), (p + "output.dense.bias", (HIDDEN,)),
              (p + "output.LayerNorm.weight", (HIDDEN,)), (p + "output.LayerNorm.bias", (HIDDEN,))]
    n += [("pooler.dense.weight", (HIDDEN, HIDDEN)), ("pooler.dense.bias", (HIDDEN,))]
    return n


def distil_names():
    n = [("embeddings.word_embeddings.weight", (VOCAB, HIDDEN)), ("embeddings.position_embeddings.weight", (MAXTOK, HIDDEN)),
         ("embeddings.LayerNorm.weight", (HIDDEN,)), ("embeddings.LayerNorm.bias", (HIDDEN,))]
    for i in range(LAYERS):
        p = f"transformer.layer.{i}."
        for m in ("q_lin", "k_lin", "v_lin", "out_lin"):
            n += [(p + f"attention.{m}.weight", (HIDDEN, HIDDEN)), (p + f"attention.{m}.bias", (HIDDEN,))]
        n += [(p + "sa_layer_norm.weight", (HIDDEN,)), (p + "sa_layer_norm.bias", (HIDDEN,)),
              (p + "ffn.lin1.weight", (INTER, HIDDEN)), (p + "ffn.lin1.bias", (INTER,)),
              (p + "ffn.lin2.weight", (HIDDEN, INTER)), (p + "ffn.lin2.bias", (HIDDEN,)),
              (p + "output_layer_norm.weight", (HIDDEN,)), (p + "output_layer_norm.bias", (HIDDEN,))]
    return n


def lin(W, name, x):
    return F.linear(x, W[name + ".weight"], W[name + ".bias"])


def ln(W, name, x, eps):
    return F.layer_norm(x, (HIDDEN,), W[name + ".weight"], W[name + ".bias"], eps)


def heads(x):
    b, t, _ = x.shape
    return x.view(b, t, HEADS, HIDDEN // HEADS).permute(0, 2, 1, 3)


def bert_forward(W, ids, mask, layers, roberta, pad, eps=1e-12):
    b, t = ids.shape
    if roberta:  # create_position_ids_from_input_ids
        m = ids.ne(pad).int()
        pos = (torch.cumsum(m, dim=1).type_as(m) * m).long() + pad
    else:
        pos = torch.arange(t).expand(b, t)
    emb = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.token_type_embeddings.weight"][torch.zeros_like(ids)]
    emb = emb + W["embeddings.position_embeddings.weight"][pos]
    h = ln(W, "embeddings.LayerNorm", emb, eps)
    ext = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    for i in range(layers):
        p = f"encoder.layer.{i}."
        q, k, v = (heads(lin(W, p + f"attention.self.{m}", h)) for m in ("query", "key", "value"))
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + ext
        ctx = (F.softmax(scores, dim=-1) @ v).permute(0, 2, 1, 3).reshape(b, t, HIDDEN)
        a = ln(W, p + "attention.output.LayerNorm", lin(W, p + "attention.output.dense", ctx) + h, eps)
        inter = F.gelu(lin(W, p + "intermediate.dense", a))
        h = ln(W, p + "output.LayerNorm", lin(W, p + "output.dense", inter) + a, eps)
    return h


def distil_forward(W, ids, mask, layers):
    b, t = ids.shape
    emb = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][torch.arange(t).expand(b, t)]
    h = ln(W, "embeddings.LayerNorm", emb, 1e-12)
    m = (mask == 0).view(b, 1, 1, t).expand(b, HEADS, t, t)
    for i in range(layers):
        p = f"transformer.layer.{i}."
        q, k, v = (heads(lin(W, p + f"attention.{n}", h)) for n in ("q_lin", "k_lin", "v_lin"))
        q = q / math.sqrt(HIDDEN // HEADS)
        scores = (q @ k.transpose(2, 3)).masked_fill(m, torch.finfo(torch.float32).min)
        ctx = (F.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, t, HIDDEN)
        sa = ln(W, p + "sa_layer_norm", lin(W, p + "attention.out_lin", ctx) + h, 1e-12)
        ffn = lin(W, p + "ffn.lin2", F.gelu(lin(W, p + "ffn.lin1", sa)))
        h = ln(W, p + "output_layer_norm", ffn + sa, 1e-12)
    return h


def main():
    rng = np.random.default_rng(20250611)
    out = {}
    specs = {
        "bert": dict(names=bert_names(MAXTOK, 2), prefix="bert.", head="cls.predictions.bias", pad=0,
                     config=dict(architectures=["BertForMaskedLM"], model_type="bert", vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                                 num_attention_heads=HEADS, intermediate_size=INTER, hidden_act="gelu", max_position_embeddings=MAXTOK,
                                 type_vocab_size=2, layer_norm_eps=1e-12, pad_token_id=0)),
        "distilbert": dict(names=distil_names(), prefix="", head=None, pad=0,
                           config=dict(architectures=["DistilBertModel"], model_type="distilbert", vocab_size=VOCAB, dim=HIDDEN, n_layers=LAYERS,
                                       n_heads=HEADS, hidden_dim=INTER, activation="gelu", max_position_embeddings=MAXTOK,
                                       sinusoidal_pos_embds=False, pad_token_id=0)),
        "roberta": dict(names=bert_names(MAXTOK + 2, 1), prefix="roberta.", head="lm_head.bias", pad=1,
                        config=dict(architectures=["RobertaForMaskedLM"], model_type="roberta", vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                                    num_attention_heads=HEADS, intermediate_size=INTER, hidden_act="gelu", max_position_embeddings=MAXTOK + 2,
                                    type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=1)),
    }
    for name, s in specs.items():
        folder = os.path.join(HERE, name)
        os.makedirs(folder, exist_ok=True)
        w = weights(s["names"], rng, s["pad"])
        stored = {s["prefix"] + k: v for k, v in w.items()}
        if s["head"]:
            stored[s["head"]] = rng.standard_normal((VOCAB,))
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(s["config"], f, indent=2)
        write_safetensors(os.path.join(folder, "model.safetensors"), stored)
        W = {k[len(s["prefix"]):]: v for k, v in read_safetensors(os.path.join(folder, "model.safetensors")).items() if k.startswith(s["prefix"])}
        pad = s["pad"]
        ids = torch.tensor([[2, 7, 12, 33, 5, 18, 3], [2, 9, 30, 3, pad, pad, pad]])
        if name == "roberta":
            ids = torch.tensor([[0, 7, 12, 33, 5, 18, 2], [0, 9, 30, 2, pad, pad, pad]])
        mask = ids.ne(pad).long()
        states = {}
        with torch.no_grad():
            for layers in range(LAYERS + 1):
                if name == "distilbert":
                    h = distil_forward(W, ids, mask, layers)
                else:
                    h = bert_forward(W, ids, mask, layers, name == "roberta", pad, s["config"]["layer_norm_eps"])
                states[str(layers)] = [[[float(x) for x in row] for row in seq] for seq in h.tolist()]
        out[name] = {"ids": ids.tolist(), "mask": mask.tolist(), "hidden": states}
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump({"torch": torch.__version__, "models": out}, f)


if __name__ == "__main__":
    main()
