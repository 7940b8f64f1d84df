"""Sentence embeddings of training texts, exactly as the runtime encoder reads them.

The frozen int8 MiniLM graph (models/train/minilm_onnx.py) is run once per distinct token
sequence (head and tail of long texts, `stream.scoring.encoder.encode_ids`) and cached in
.cache/enc keyed by the graph's hash and the token ids, so re-training heads costs no encoder time.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

from models.train.minilm_onnx import FEATURES
from stream.scoring.encoder import encode_ids, id_batches, load_tokenizer
from stream.scoring.normalize import normalize_text

DIM = FEATURES  # the graph's `features` output: what the heads read


class EmbeddingCache:
    """`output` ([N, `dim`]) of `graph` per distinct token sequence, cached on disk (default: the heads'
    `features`; a probe's graph may add outputs of its own)."""

    def __init__(self, cache_dir: Path, graph: Path, tokenizer: Path, max_len: int, threads: int = 1,
                 output: str = "features", dim: int = DIM):
        self.dir = cache_dir
        self.max_len = max_len
        self.output, self.dim = output, dim
        self.tok = load_tokenizer(tokenizer)
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(str(graph), so, providers=["CPUExecutionProvider"])
        self.key = hashlib.sha256(graph.read_bytes()).hexdigest()[:16] + ("" if output == "features" else f"_{output}")
        self.index, self.arr = self._load()

    def _paths(self):
        return self.dir / f"emb_{self.key}_keys.json", self.dir / f"emb_{self.key}_vecs.npy"

    def _load(self):
        kp, ap = self._paths()
        if kp.exists() and ap.exists():
            keys = json.loads(kp.read_text())
            arr = np.load(ap)
            if len(keys) == arr.shape[0]:
                return {k: i for i, k in enumerate(keys)}, arr
        return {}, np.zeros((0, self.dim), np.float32)

    def _save(self):
        keys = [None] * len(self.index)
        for k, i in self.index.items():
            keys[i] = k
        kp, ap = self._paths()
        kp.write_text(json.dumps(keys))
        np.save(ap, self.arr)

    def embed(self, texts: list[str], tag: str = "", save_every: int = 20000) -> np.ndarray:
        """[N, dim] of the (raw) texts (the head features by default); normalised as the runtime does."""
        ids = encode_ids(self.tok, [normalize_text(t) for t in texts], self.max_len)
        keys = [hashlib.sha1(np.asarray(i, np.int32).tobytes()).hexdigest() for i in ids]
        todo = {}
        for k, i in zip(keys, ids):
            if k not in self.index and k not in todo:
                todo[k] = i
        t0 = time.time()
        if todo:
            tkeys = list(todo)
            tids = [todo[k] for k in tkeys]
            for s in range(0, len(tids), save_every):
                part = tids[s:s + save_every]
                new = np.zeros((len(part), self.dim), np.float32)
                for rows, feeds in id_batches(part, 32):
                    new[rows] = self.sess.run([self.output], feeds)[0]
                base = self.arr.shape[0]
                for j, k in enumerate(tkeys[s:s + save_every]):
                    self.index[k] = base + j
                self.arr = np.concatenate([self.arr, new])
                self._save()
                done = s + len(part)
                print(f"    {tag}: embedded {done}/{len(tids)} ({done / (time.time() - t0):.0f}/s)", flush=True)
        print(f"    {tag}: {len(texts)} texts, {len(todo)} newly embedded in {time.time() - t0:.0f}s", flush=True)
        return self.arr[[self.index[k] for k in keys]]


def reader_inputs(texts: list[str], models_dir) -> tuple:
    """What the learned readers over embeddings are fitted on (reply reader, farewell reader): the
    runtime `Embedder` of `models_dir`, the English-row mask, MiniLM embeddings of the English rows
    (zeros elsewhere) and USE embeddings of every row (float64, as the fits take them)."""
    from stream.scoring.embedding import Embedder
    from stream.scoring.encoder import is_cjk
    from stream.scoring.use_stage import encode

    en = np.array([not is_cjk(t) for t in texts], bool)
    emb = Embedder(models_dir)
    x_en = np.zeros((len(texts), emb.dim))
    x_en[en] = emb.embed([t for t, e in zip(texts, en) if e])
    return emb, en, x_en, encode([normalize_text(t) for t in texts]).astype(np.float64)


def reader_arguments(argv, description: str, share_flag: str, share_default: float, share_help: str):
    """The command line of a learned reader's trainer: `--models-dir` (the model set it is added to,
    whose encoder embeds) and the share of its written look-alikes (out of fold) allowed to read as
    its label."""
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--models-dir", default=str(Path(__file__).resolve().parents[2] / "models"),
                    help="the model set to add the reader to (its encoder embeds)")
    ap.add_argument(share_flag, type=float, default=share_default, help=share_help)
    return ap.parse_args(argv)
