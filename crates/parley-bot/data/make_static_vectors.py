#!/usr/bin/env python3
"""Builds static_vectors.bin, the built-in matcher's compiled-in static token vectors.

Model2Vec's recipe, distilled from all-MiniLM-L6-v2 (Apache-2.0, sentence-transformers):
every WordPiece token of the model's vocabulary is run through the encoder on its own
(`[CLS] token [SEP]`, mean-pooled); the 384-wide vectors are reduced to 256 dimensions
by PCA and weighted by log(1 + token id) (BERT's vocabulary lists frequent pieces first,
so this down-weights common tokens, like an IDF); each row is quantised to int8 with its
own scale.

    scripts/fetch-minilm.sh
    cargo run --release -p parley-bot --example distill_static -- target/static
    pip install numpy
    python3 crates/parley-bot/data/make_static_vectors.py target/static crates/parley-bot/data

Writes static_tokens.txt (one token per line, in id order) and static_vectors.bin:
b"PSV1", u32 rows, u32 dims (little-endian), rows x f32 scales, rows x dims int8.
Nothing in it comes from any evaluation data set.
"""
import struct
import sys

import numpy as np

DIMS = 256

src, dst = sys.argv[1], sys.argv[2]
tokens = open(f"{src}/tokens.txt", encoding="utf-8").read().split("\n")[:-1]
v = np.fromfile(f"{src}/vectors.f32", dtype="<f4").reshape(len(tokens), -1).astype(np.float64)
centred = v - v.mean(0)
_, _, vt = np.linalg.svd(centred, full_matrices=False)
reduced = centred @ vt[:DIMS].T
reduced *= np.log1p(np.arange(len(tokens)))[:, None]
scales = np.abs(reduced).max(1) / 127.0
scales[scales == 0] = 1.0
q = np.clip(np.rint(reduced / scales[:, None]), -127, 127).astype(np.int8)
with open(f"{dst}/static_vectors.bin", "wb") as f:
    f.write(b"PSV1")
    f.write(struct.pack("<II", len(tokens), DIMS))
    f.write(scales.astype("<f4").tobytes())
    f.write(q.tobytes())
with open(f"{dst}/static_tokens.txt", "w", encoding="utf-8") as f:
    f.write("\n".join(tokens) + "\n")
