"""Trajectory model: a learned person-level score for patterns that no single turn shows.

Why: an escalation spread over days and conversations (a grievance, a non-violent threat, a
question about weapons) is made of turns that each stay below any per-turn threshold, while
benign people also write the odd angry or sad turn. What separates them is how many risky turns
there are, in which categories, how recent, and which pathway stages came with them.

The window keeps, per category, the K highest time-decayed turn scores (`peaks`: at most K
entries per category, so state stays bounded). Decay is the same for every entry, so the order of
the entries never changes with time and the top K are kept exactly. The features are those K
decayed scores per category plus a decayed indicator per pathway stage; a model over them
(monotone gradient-boosted trees walked node by node, or a logistic model with non-negative
weights; trained by `models/train/trajectory.py` on simulated tune timelines, stored next to the
classifiers as `trajectory.json`) gives the score. Pure: no I/O beyond `load`.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from stream.core.modelfiles import UnusableModelFile, load_json
from stream.core.stages import PATHWAY_CATEGORY, STAGES
from stream.core.window import UserWindow
from stream.taxonomy import CATEGORIES

FILE_NAME = "trajectory.json"
KIND = "riskstream-trajectory/1"
_LN2 = math.log(2.0)


def drop_peaks(window: UserWindow, drop: Callable[[list], bool], categories: Iterable[str] | None = None) -> int:
    """Remove the peaks (of `categories`, default every one) that `drop` says of; returns how many
    were removed. A category left without peaks leaves the map."""
    removed = 0
    for c in list(window.peaks) if categories is None else [c for c in categories if c in window.peaks]:
        kept = [p for p in window.peaks[c] if not drop(p)]
        removed += len(window.peaks[c]) - len(kept)
        if kept:
            window.peaks[c] = kept
        else:
            del window.peaks[c]
    return removed


def drop_account(window: UserWindow, user_id: str) -> int:
    """Remove the peaks of one account (deletion request); returns how many were removed."""
    return drop_peaks(window, lambda p: window.entry_account(p) == user_id)


def feature_names(top_k: int) -> list[str]:
    """`<category>#<rank>` (rank 1 = highest decayed turn score), then `stage:<pathway>:<stage>`."""
    return [f"{c}#{k}" for c in CATEGORIES for k in range(1, top_k + 1)] + [
        f"stage:{st.pathway}:{st.name}" for st in STAGES]


class ModelFileError(UnusableModelFile):
    """A trajectory model file that cannot be used (broken, or built for other features)."""


@dataclass(frozen=True)
class TrajectoryModel:
    half_life_days: float
    top_k: int
    floor: float  # turn scores below this are not kept
    weights: tuple[float, ...]
    bias: float
    threshold: float  # logit at or above which a case opens
    version: str = ""
    # Optional tree ensemble added to the linear part: each tree a tuple of nodes, a split being
    # (feature index, threshold, left, right) -- left when the feature <= threshold -- and a leaf (value,).
    trees: tuple = ()

    @property
    def half_life_s(self) -> float:
        return self.half_life_days * 86400.0

    @classmethod
    def recording_only(cls, half_life_days: float = 14.0, top_k: int = 3, floor: float = 0.1) -> "TrajectoryModel":
        """Keeps the peaks but never fires: what training runs to collect features."""
        n = len(feature_names(top_k))
        return cls(half_life_days, top_k, floor, (0.0,) * n, 0.0, math.inf, "recording-only")

    @classmethod
    def from_dict(cls, d: dict) -> "TrajectoryModel":
        if d.get("kind") != KIND:
            raise ValueError(f"not a trajectory model (kind {d.get('kind')!r}, expected {KIND!r})")
        names = feature_names(int(d["top_k"]))
        if list(d["features"]) != names or len(d["weights"]) != len(names):
            raise ValueError("trajectory model features do not match this version of riskstream; retrain it "
                             "(python -m models.train.trajectory)")
        trees = tuple(tuple(tuple(node) for node in tree) for tree in d.get("trees", []))
        for tree in trees:
            for node in tree:  # a leaf (value,) or a split (feature, threshold, left, right) within the tree
                if not (len(node) == 1 or len(node) == 4 and 0 <= node[0] < len(names)
                        and 0 < node[2] < len(tree) and 0 < node[3] < len(tree)):
                    raise ValueError(f"malformed tree node {list(node)}")
        return cls(float(d["half_life_days"]), int(d["top_k"]), float(d["floor"]), tuple(map(float, d["weights"])),
                   float(d["bias"]), float(d["threshold"]), str(d.get("version", "")), trees)

    @classmethod
    def load(cls, models_dir: Path | str | None) -> "TrajectoryModel | None":
        """The model stored with the classifiers, or None when that directory has none."""
        return load_json(models_dir, FILE_NAME, cls.from_dict, ModelFileError)

    def to_dict(self, **extra) -> dict:
        body = {"kind": KIND, "half_life_days": self.half_life_days, "top_k": self.top_k, "floor": self.floor,
                "features": feature_names(self.top_k), "weights": [round(w, 6) for w in self.weights],
                "bias": round(self.bias, 6), "threshold": round(self.threshold, 6)}
        if self.trees:
            body["trees"] = [[list(node) for node in tree] for tree in self.trees]
        version = "traj-" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
        return {**body, "version": version, **extra}

    # -- state ---------------------------------------------------------------------------------
    def record(self, window: UserWindow, scores: dict[str, float], ts: float, event_id: str, user_id: str = "") -> bool:
        """Keep the turn's category scores among the window's top K decayed peaks. A peak is
        [score, ts, event_id], plus the account when it is not the window's own (a person's window
        spans linked accounts; deleting one account must find its peaks). True if the turn was kept
        anywhere (if not, the window's score can only have decayed)."""
        kept = False
        for c, v in scores.items():
            if v < self.floor or c not in CATEGORIES:
                continue
            peaks = window.peaks.setdefault(c, [])
            if any(p[2] == event_id for p in peaks):  # a redelivered turn: already kept
                continue
            peaks.append(window.kept_entry(round(v, 4), ts, event_id, user_id))
            peaks.sort(key=lambda p: (-self._rank_key(p), p[2]))
            del peaks[self.top_k:]
            kept = kept or any(p[2] == event_id for p in peaks)
        return kept

    def _rank_key(self, peak: list) -> float:
        """log of the decayed value, up to a constant shared by all entries (time-invariant order)."""
        return math.log(max(peak[0], 1e-9)) + peak[1] * _LN2 / self.half_life_s

    # -- reading ---------------------------------------------------------------------------------
    def features(self, window: UserWindow, now: float) -> list[float]:
        hl = self.half_life_s
        out: list[float] = []
        for c in CATEGORIES:
            vals = [p[0] * 0.5 ** (max(0.0, now - p[1]) / hl) for p in window.peaks.get(c, [])]
            out += (vals + [0.0] * self.top_k)[: self.top_k]
        for st in STAGES:
            seen = window.stages.get(f"{st.pathway}:{st.name}")
            out.append(0.5 ** (max(0.0, now - seen[0]) / hl) if seen else 0.0)
        return out

    @cached_property
    def _forest(self) -> "_Forest":
        return _Forest.of(self.trees)

    def logit(self, feats: list[float]) -> float:
        linear = math.fsum(w * x for w, x in zip(self.weights, feats) if w)
        return self.bias + linear + math.fsum(self._forest.leaves(feats))

    def contributions(self, feats: list[float], full: float | None = None) -> dict[str, float]:
        """Per category (stages count for their pathway's category): how much the score drops when
        that category's features are zeroed. For a linear model this is the summed weight x feature.
        `full` is `logit(feats)` when the caller has it already."""
        full = self.logit(feats) if full is None else full
        out: dict[str, float] = {}
        for cat, idx in _groups(self.top_k).items():
            if any(feats[i] for i in idx):
                ablated = list(feats)
                for i in idx:
                    ablated[i] = 0.0
                out[cat] = full - self.logit(ablated)
        return out


@dataclass(frozen=True)
class _Forest:
    """The trees' nodes in flat arrays, walked a level at a time for every tree at once (numpy; node
    by node in Python took about a tenth of the non-ONNX time of a replay). A leaf leads to itself, so
    `depth` levels take every tree to its leaf; the leaf values are summed with `math.fsum`, exactly,
    so the logit does not depend on the order of the walk."""

    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    depth: int

    @classmethod
    def of(cls, trees: tuple) -> "_Forest":
        roots, rows = [], []  # rows: (feature, threshold, left, right, value) per node
        for tree in trees:
            base = len(rows)
            roots.append(base)
            for k, node in enumerate(tree):
                if len(node) == 4:  # a split: left when the feature <= threshold
                    rows.append((node[0], node[1], base + node[2], base + node[3], 0.0))
                else:
                    rows.append((0, math.inf, base + k, base + k, node[0]))
        feature, threshold, left, right, value = zip(*rows) if rows else ((),) * 5
        return cls(np.array(roots, np.intp), np.array(feature, np.intp), np.array(threshold, np.float64),
                   np.array(left, np.intp), np.array(right, np.intp), np.array(value, np.float64),
                   max((_depth(tree) for tree in trees), default=0))

    def leaves(self, feats: list[float]) -> list[float]:
        """The value of the leaf each tree reaches."""
        x = np.asarray(feats, np.float64)
        node = self.roots
        for _ in range(self.depth):
            node = np.where(x[self.feature[node]] <= self.threshold[node], self.left[node], self.right[node])
        return self.value[node].tolist()


def _depth(tree: tuple, i: int = 0) -> int:
    node = tree[i]
    return 0 if len(node) == 1 else 1 + max(_depth(tree, node[2]), _depth(tree, node[3]))


def _groups(top_k: int) -> dict[str, list[int]]:
    """category -> indices of its features (a pathway's stages belong to the pathway's category)."""
    out: dict[str, list[int]] = {}
    for i, name in enumerate(feature_names(top_k)):
        cat = name.split("#")[0] if "#" in name else PATHWAY_CATEGORY[name.split(":")[1]]
        out.setdefault(cat, []).append(i)
    return out


@dataclass(frozen=True)
class Reading:
    """The model's view of a window after a turn: the logit and what drove it."""

    logit: float
    threshold: float
    categories: list[str]  # the categories that pushed the score up most (at most two)
    moved: bool = True  # the newest turn is among those categories' peaks (it moved the pattern)

    @property
    def fires(self) -> bool:
        return self.moved and self.logit >= self.threshold

    @property
    def probability(self) -> float:
        return sigmoid(self.logit)


def sigmoid(x: float) -> float:
    """Logit -> probability (clamped: no overflow for extreme logits)."""
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def read(model: TrajectoryModel, window: UserWindow, now: float, event_id: str) -> Reading:
    """The reading after turn `event_id` was recorded: it fires only if that turn moved the pattern,
    so later harmless turns of a flagged person do not re-trigger it."""
    feats = model.features(window, now)
    logit = model.logit(feats)
    if logit < model.threshold:
        return Reading(logit, model.threshold, [], False)  # not firing: what drove it is not needed
    contrib = model.contributions(feats, logit)
    positive = sorted(((v, c) for c, v in contrib.items() if v > 0), reverse=True)
    cats = [c for v, c in positive[:2] if v >= 0.25 * positive[0][0]] if positive else []
    moved = any(p[2] == event_id for c in cats for p in window.peaks.get(c, []))
    return Reading(logit, model.threshold, sorted(cats, key=CATEGORIES.index), moved)
