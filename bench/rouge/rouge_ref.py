#!/usr/bin/python3
"""Reference for bench/rouge: Google rouge-score 0.1.2's semantics in plain Python.

A transcription of rouge_scorer.py, tokenize.py and scoring.py (rouge1, rouge2, rougeL,
rougeLsum with newline-split sentences; the default tokenizer; NLTK 3.8's PorterStemmer in its
default NLTK_EXTENSIONS mode on tokens longer than 3 characters), written for the benchmark
because rouge-score itself is not installable here (no PyPI). Run it with Debian's
/usr/bin/python3, which has python3-nltk:

    /usr/bin/python3 bench/rouge/rouge_ref.py PAIRS.jsonl [--stemmer] [--repeat N]

Reads {"id", "target", "prediction"} lines; prints one JSON object: the scoring time (best of
N runs, excluding start-up and file reading), pairs/s, and every score as
[precision, recall, fmeasure] per type, for the benchmark to check against clinsum.
"""
import argparse
import collections
import json
import re
import time

from nltk.stem import porter

TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
NON_ALPHANUM_RE = re.compile(r"[^a-z0-9]+")
SPACES_RE = re.compile(r"\s+")
VALID_TOKEN_RE = re.compile(r"^[a-z0-9]+$")


def tokenize(text, stemmer):
    text = NON_ALPHANUM_RE.sub(" ", text.lower())
    tokens = SPACES_RE.split(text)
    if stemmer:
        tokens = [stemmer.stem(x) if len(x) > 3 else x for x in tokens]
    return [x for x in tokens if VALID_TOKEN_RE.match(x)]


def fmeasure(precision, recall):
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


def create_ngrams(tokens, n):
    ngrams = collections.Counter()
    for ngram in (tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)):
        ngrams[ngram] += 1
    return ngrams


def score_ngrams(target_ngrams, prediction_ngrams):
    intersection = 0
    for ngram in target_ngrams:
        intersection += min(target_ngrams[ngram], prediction_ngrams[ngram])
    precision = intersection / max(sum(prediction_ngrams.values()), 1)
    recall = intersection / max(sum(target_ngrams.values()), 1)
    return (precision, recall, fmeasure(precision, recall))


def lcs_table(ref, can):
    rows, cols = len(ref), len(can)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            if ref[i - 1] == can[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table


def score_lcs(target, prediction):
    if not target or not prediction:
        return (0, 0, 0)
    lcs = lcs_table(target, prediction)[-1][-1]
    precision = lcs / len(prediction)
    recall = lcs / len(target)
    return (precision, recall, fmeasure(precision, recall))


def backtrack_norec(t, ref, can):
    i, j = len(ref), len(can)
    lcs = []
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            lcs.insert(0, i - 1)
            i -= 1
            j -= 1
        elif t[i][j - 1] > t[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return lcs


def union_lcs(ref, c_list):
    lcs_list = [backtrack_norec(lcs_table(ref, c), ref, c) for c in c_list]
    return [ref[i] for i in sorted(list(set().union(*lcs_list)))]


def summary_level_lcs(ref_sent, can_sent):
    if not ref_sent or not can_sent:
        return (0, 0, 0)
    m = sum(map(len, ref_sent))
    n = sum(map(len, can_sent))
    if not n or not m:
        return (0, 0, 0)
    token_cnts_r = collections.Counter()
    token_cnts_c = collections.Counter()
    for s in ref_sent:
        token_cnts_r.update(s)
    for s in can_sent:
        token_cnts_c.update(s)
    hits = 0
    for r in ref_sent:
        for t in union_lcs(r, can_sent):
            if token_cnts_c[t] > 0 and token_cnts_r[t] > 0:
                hits += 1
                token_cnts_c[t] -= 1
                token_cnts_r[t] -= 1
    recall = hits / m
    precision = hits / n
    return (precision, recall, fmeasure(precision, recall))


def get_sents(text):
    return [x for x in text.split("\n") if len(x)]


def score(target, prediction, stemmer):
    t = tokenize(target, stemmer)
    p = tokenize(prediction, stemmer)
    return {
        "rouge1": score_ngrams(create_ngrams(t, 1), create_ngrams(p, 1)),
        "rouge2": score_ngrams(create_ngrams(t, 2), create_ngrams(p, 2)),
        "rougeL": score_lcs(t, p),
        "rougeLsum": summary_level_lcs(
            [tokenize(s, stemmer) for s in get_sents(target)],
            [tokenize(s, stemmer) for s in get_sents(prediction)],
        ),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs")
    ap.add_argument("--stemmer", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    with open(args.pairs, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    best = float("inf")
    results = []
    for _ in range(args.repeat):
        # rouge-score builds its PorterStemmer once per RougeScorer; so does this.
        stemmer = porter.PorterStemmer() if args.stemmer else None
        start = time.perf_counter()
        results = [score(r["target"], r["prediction"], stemmer) for r in rows]
        best = min(best, time.perf_counter() - start)
    print(json.dumps({
        "pairs": len(rows),
        "seconds": best,
        "pairs_per_second": len(rows) / best,
        "scores": [[list(s[t]) for t in TYPES] for s in results],
    }))


if __name__ == "__main__":
    main()
