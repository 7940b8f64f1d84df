"""Person reader: how much a person's whole window reads as heading towards harm, learned.

Why: the rules open a case from a handful of hand-set sums (a pathway's stage weights, one severe
reading, a trajectory threshold) and find about 62 % of the written escalating people while flagging a
quarter of the hard benign ones. A logistic reader over the numbers the window already holds (the
trajectory model's features and logit, the decayed risk per category, pathway progress, the assistant's
voiced concern, how many turns and conversations the evidence spans, the heading reader's two highest
readings and its direction) ranks people far better on batches it was not fitted on
(`models/train/probe_person_reader.py`). Fitted on written people only it read the escalation
benchmark's generated everyday people as escalating; it is fitted on generated people too
(`models/train/person_reader.py`), and its cut is the score that 2 % of the written benign people
reach out of batch.

Pure: `features` reads a window (no text, no ids) and `PersonReader.score` is a dot product; the
policy (`person_cases`) and the engine decide what a score at the cut does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from stream.core import heading
from stream.core import policy as pol
from stream.core.modelfiles import UnusableModelFile, load_json
from stream.core.trajectory import feature_names as trajectory_feature_names
from stream.core.window import UserWindow
from stream.taxonomy import CATEGORIES

FILE_NAME = "person_reader.json"
KIND = "person-reader"
RETRAIN = "python -m models.train.person_reader"
PATHWAYS = ("violence", "self-harm")
VOICED_KEYS = tuple(sorted(set(pol.VOICED.values()) | set(pol.VOICED_AGAIN.values())))


def feature_names(trajectory=None, reads_heading: bool = False) -> list[str]:
    """The names of `features`' numbers with that trajectory model (or none) and with or without a heading
    reader."""
    traj = ([f"traj:{n}" for n in trajectory_feature_names(trajectory.top_k)] + ["traj_logit"]
            if trajectory is not None else [])
    return (traj + [f"risk:{c}" for c in CATEGORIES]
            + [f"progress:{p}" for p in PATHWAYS] + [f"ranks:{p}" for p in PATHWAYS]
            + [f"seen:{k}" for k in VOICED_KEYS]
            + ["user_evidence", "assistant_evidence", "evidence_conversations", "evidence_span_days", "log_turns",
               "own_risk", "stage_conversations"]
            + (["heading:1", "heading:2", "direction", "direction_weight"] if reads_heading else []))


def features(window: UserWindow, now: float, cfg, trajectory=None, reads_heading: bool = False) -> list[float]:
    """What the window says about the person at `now`: the numbers the rules read, in `feature_names` order."""
    horizon = now - cfg.stage_window_days * 86400
    out: list[float] = []
    if trajectory is not None:
        f = trajectory.features(window, now)
        out += f + [trajectory.logit(f)]
    out += [window.risk.get(c, 0.0) for c in CATEGORIES]
    progress = pol.pathway_progress(window, now, cfg)
    out += [sum(w for _, _, w in progress.get(p, ())) for p in PATHWAYS]
    out += [len({r for r, _, _ in progress.get(p, ()) if r > 0}) for p in PATHWAYS]
    out += [float(window.stages[k][0] >= horizon) if k in window.stages else 0.0 for k in VOICED_KEYS]
    ev = [e for e in window.evidence if e.ts >= horizon]
    user = [e for e in ev if e.role == "user"]
    out += [len(user), len(ev) - len(user), len({e.conversation_id for e in ev}),
            (max(e.ts for e in ev) - min(e.ts for e in ev)) / 86400 if ev else 0.0, math.log1p(window.turns),
            float(pol.own_risk(window, horizon)),
            float(len({v[1] for k, v in window.stages.items() if v[0] >= horizon and k not in VOICED_KEYS}))]
    if reads_heading:
        out += heading.readings(window, now - cfg.retention_days * 86400)[:2] + list(heading.direction(window))
    return out


class PersonReaderFileError(UnusableModelFile):
    """A person reader file this runtime cannot use (another kind, or features it does not compute)."""


@dataclass(frozen=True)
class PersonReader:
    names: tuple[str, ...]
    mean: tuple[float, ...]  # standardisation the weights were fitted on
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    cut: float  # the probability that 2 % of the written benign people reached out of batch
    version: str = ""

    def score(self, x: list[float]) -> float:
        """The probability the window's person is heading towards harm."""
        z = self.bias + sum(w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def fits(self, names: list[str]) -> bool:
        """Whether the detector computes exactly the features this reader was fitted on."""
        return tuple(names) == self.names

    def to_dict(self, **extra) -> dict:
        return {"kind": KIND, "version": self.version, "features": list(self.names), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights), "bias": self.bias, "cut": self.cut, **extra}

    @classmethod
    def from_dict(cls, d: dict) -> "PersonReader":
        if d.get("kind") != KIND:
            raise PersonReaderFileError(f"not a person reader (kind {d.get('kind')!r})")
        names = tuple(str(n) for n in d["features"])
        cols = [tuple(float(v) for v in d[k]) for k in ("mean", "scale", "weights")]
        if any(len(c) != len(names) for c in cols) or not all(math.isfinite(v) for c in cols for v in c):
            raise PersonReaderFileError(f"weights do not match the features; retrain it ({RETRAIN})")
        if any(v <= 0 for v in cols[1]):
            raise PersonReaderFileError("a feature's scale is not positive")
        return cls(names, *cols, float(d["bias"]), float(d["cut"]), str(d.get("version", "")))

    @classmethod
    def load(cls, models_dir: Path | str | None) -> "PersonReader | None":
        """The reader stored with the classifiers, or None when that directory has none."""
        return load_json(models_dir, FILE_NAME, cls.from_dict, PersonReaderFileError)
