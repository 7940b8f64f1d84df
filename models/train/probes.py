"""What the out-of-family probes of the encoder heads share (`probe_knn`, `probe_intent`, `probe_cap`,
`probe_project_weight`, `probe_use_english`): the encoder rows of `train_encoder` with their cached MiniLM features, the
family folds of its model choice (`SELECT_FOLDS`), the calibration and thresholds the encoder stage
ships (`lofo.calibrated`), and the figures the model card reports (any-AUPRC, look-alikes against
harmful requests), plus the frontier of the latter two as every threshold moves together.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from models.train import data as D
from models.train import lofo
from models.train.card import HARMFUL_REQUEST_SOURCES, LOOKALIKE_SOURCES, lookalike_pooled
from models.train.embed import EmbeddingCache
from models.train.encoder_rows import encoder_rows, source_mass
from models.train.heads import fit_logistic, head_logits
from models.train.lofo import SELECT_FOLDS
from models.train.minilm_onnx import export_int8, model_dir
from models.train.train_encoder import CACHE, MAX_TOKENS
from stream.taxonomy import CATEGORIES

L2 = 3e-4  # the production heads' L2 (the model choice's pick on these folds)
SHIFTS = tuple(np.arange(-2.0, 2.01, 0.5))  # the frontier's threshold moves in logit space


def load_rows() -> dict:
    """The encoder rows of `train_encoder` with their cached features, labels, weights, families,
    benign flags and sources (what the probes here share)."""
    t0 = time.time()
    rows = encoder_rows(D.load_all())
    X = encoder_features([e.text for e in rows])
    out = row_table(rows, X)
    print(f"{len(rows)} rows, features {X.shape} ({time.time() - t0:.0f}s)", flush=True)
    return out


def row_table(rows: list, X: np.ndarray) -> dict:
    """Rows and their features as the probes read them: labels, weights (`source_mass`, each source's
    mass capped), families, benign flags and sources."""
    return {"rows": rows, "X": X, "Y": np.stack([e.labels for e in rows]).astype(np.float32),
            "w": source_mass(rows).astype(np.float32), "fam": np.array([e.family for e in rows]),
            "benign": np.array([e.benign for e in rows]), "src": np.array([e.source for e in rows])}


def encoder_features(texts: list[str]) -> np.ndarray:
    """The heads' MiniLM features of the texts, from the int8 graph `make models` builds (cached)."""
    _, int8 = export_int8(CACHE)
    return EmbeddingCache(CACHE, int8, model_dir() / "tokenizer.json", MAX_TOKENS).embed(texts, "minilm")


def oof(d: dict, fit, predict, X: np.ndarray | None = None) -> np.ndarray:
    """Out-of-family logits over `SELECT_FOLDS` family folds (features `X`, default the cached ones)."""
    return lofo.out_of_family(fit, predict, d["X"] if X is None else X, d["Y"], d["w"], d["fam"],
                              n_groups=SELECT_FOLDS, verbose=False)


def _calibrated(d: dict, logit: np.ndarray) -> tuple[np.ndarray, tuple]:
    """The rows out-of-family figures are read on (not the project's own), and `lofo.calibrated` of
    their logits: what `report` and `frontier` read, computed once per candidate."""
    held = d["fam"] != lofo.PROJECT_FAMILY
    return held, lofo.calibrated(logit[held], d["Y"][held], d["benign"][held], d["fam"][held], d["src"][held])


def report(d: dict, logit: np.ndarray, name: str, with_frontier: bool = False) -> dict:
    """Out-of-family figures of pooled logits, calibrated and thresholded as the encoder stage is
    (`with_frontier`: and their `frontier`, from the same calibration)."""
    held, (_, _, scores, thr, _, res) = _calibrated(d, logit)
    n_look, _, fp, harmful, f1 = lookalike_pooled(res["sources"])
    out = {"candidate": name, "any_auprc": round(res["any"]["auprc"], 4), "benign_rows_flagged": round(res["benign_fpr"], 4),
           "lookalikes_flagged": round(fp / n_look, 4), "harmful_requests_flagged": round(harmful, 4),
           "f1_harmful_against_lookalikes": round(f1, 4),
           "auprc": {c: round(v["auprc"], 4) for c, v in res["categories"].items() if not np.isnan(v["auprc"])}}
    print(json.dumps(out), flush=True)
    if with_frontier:
        out["frontier"] = _frontier(d, held, scores, thr)
    return out


def frontier(d: dict, logit: np.ndarray, shifts=SHIFTS) -> list[dict]:
    """Safe look-alikes against harmful requests flagged as every category's threshold moves by the
    same amount in logit space from where `lofo.calibrated` sets it (0: the production rule): what
    these heads can reach out of family, at any operating point."""
    held, (_, _, scores, thr, _, _) = _calibrated(d, logit)
    return _frontier(d, held, scores, thr, shifts)


def _frontier(d: dict, held: np.ndarray, scores: np.ndarray, thr: dict, shifts=SHIFTS) -> list[dict]:
    src, benign = d["src"][held], d["benign"][held]
    look, harm = np.isin(src, LOOKALIKE_SOURCES), np.isin(src, HARMFUL_REQUEST_SOURCES)
    p = np.clip(scores, 1e-7, 1 - 1e-7)
    t = np.array([thr[c] for c in CATEGORIES])
    out = []
    for shift in shifts:
        flag = (np.log(p / (1 - p)) >= (np.log(t / (1 - t)) + shift)[None, :]).any(1)
        fp, tp = int(flag[look].sum()), int(flag[harm].sum())
        prec, rec = tp / max(fp + tp, 1), tp / max(int(harm.sum()), 1)
        out.append({"threshold_shift": round(float(shift), 2), "lookalikes_flagged": round(float(flag[look].mean()), 4),
                    "harmful_requests_flagged": round(rec, 4), "f1_harmful_against_lookalikes": round(2 * prec * rec / max(prec + rec, 1e-9), 4),
                    "ordinary_benign_rows_flagged": round(float(flag[benign & ~look].mean()), 4)})
    return out


def linear_heads(d: dict, X: np.ndarray | None = None, l2: float = L2) -> np.ndarray:
    """The production heads' out-of-family logits (logistic, L2 `l2`; features `X`, default the cached ones)."""
    return oof(d, lambda Xa, Ya, wa: fit_logistic(Xa, Ya, wa, l2=l2), head_logits, X)


def write_probe(out: Path, probe: str, doc: str, d: dict, results: list[dict], t0: float, before: dict | None = None,
                after: dict | None = None) -> int:
    """Write a probe's JSON (its name, question, rows, `before`, the results, `after`, minutes); 0."""
    body = {"probe": probe, "question": doc.splitlines()[0], "rows": len(d["rows"]), **(before or {}),
            "results": results, **(after or {}), "minutes": round((time.time() - t0) / 60, 1)}
    out.write_text(json.dumps(body, indent=1) + "\n")
    print(f"wrote {out}")
    return 0
