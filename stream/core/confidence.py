"""How likely a case's person is heading towards harm: the ordering a review queue and a strict
operating point need.

Why: a case opens on a rule (a pattern of stages, one severe turn), and its priority says how urgent
the harm would be if meant, not how likely it is meant. On the blind-written people the two barely
separate: a priority-1 first case was about as common on benign people (exam hyperbole, a sibling
who "took my car AGAIN") as on escalating ones, and ranking people by their case's evidence and
severity found 19 % of escalating people at 2 % of benign people flagged. What the case event
itself shows separates them better: how many turns and conversations its evidence spans, whether
the assistant voiced concern, which stages make the pattern (a planning stage counts for, an
ideation read from one turn of hyperbole against), the pathway, the readings' peaks, and how far the
person's two most telling turns read as heading towards harm (stream/core/heading.py). One logistic
model over those features, fitted on the people bench's written batches and measured leaving each
batch (five writers nobody else read) out in turn, found 32 % at 2 %, 41 % at 5 % and 52 % at 10 %
(`bench/results/case_confidence.json`, README "Case confidence").

Every case event carries the reading as `confidence` (0-1); a case policy may set a floor under
which an enforcement case does not open (`min_confidence`; support cases have their own floor,
`min_confidence_support`, 0 by default: crisis resources are not withheld on a guess). The features
are read from the case payload only (never its text), so zero-data-retention cases are read alike.
Stored as `case_confidence.json` next to the classifiers (optional: without it no case carries a
confidence); trained by `models/train/case_confidence.py`. Pure apart from `load`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from stream.core.modelfiles import UnusableModelFile, load_json
from stream.core.timeutil import parse_rfc3339
from stream.core.trajectory import sigmoid

FILE_NAME = "case_confidence.json"
KIND = "riskstream-case-confidence/1"
RETRAIN = "python -m models.train.case_confidence"
PATHWAYS = ("harassment", "violence", "self-harm", "illicit", "sexual", "hate")
RULES = ("severe-turn", "escalation", "heading", "trajectory")
# Features every model has (then one "stage:<name>" per stage the training cases carried). Counts of a
# person's turns or conversations overall are left out on purpose: the written escalating people have
# more turns than the benign ones, a fact of the writing, not of risk.
BASE_FEATURES = (
    "route:support", *(f"rule:{r}" for r in RULES), "evidence", "evidence:user", "evidence:assistant",
    "conversations", "span_days", "severity", "priority:1", "priority:3", "stages",
    *(f"pathway:{p}" for p in PATHWAYS), "voiced", "farewell", "contextual", "peak:1", "peak:2", "peak:3",
    "user_turns_over_half", "staged_turns", "trajectory", "heading:1", "heading:2",
)


class CaseConfidenceFileError(UnusableModelFile):
    """A case confidence file that cannot be used with this runtime."""


class FloorError(ValueError):
    """A policy's confidence floor that the loaded models cannot give (a share of benign people the
    case confidence model has no cut for, or a named floor without a model)."""


_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def cut_name(share: str) -> str | None:
    """The key of a confidence model's `cuts` a share of benign people names ("5%" -> "0.05"), or None
    when the string is not a whole percentage between 0 and 100 (the cuts are keyed to two decimals)."""
    m = _SHARE.match(share)
    pct = float(m.group(1)) if m else 0.0
    return f"{pct / 100:.2f}" if 0.0 < pct < 100.0 and pct == int(pct) else None


def case_features(case: dict) -> dict[str, float]:
    """The features of one case event (schemas/review-case.schema.json), by name."""
    ev = case.get("evidence") or []
    f: dict[str, float] = {"route:support": float(case.get("route") == "support")}
    for r in RULES:
        f[f"rule:{r}"] = float(case.get("rule") == r)
    f["evidence"] = math.log1p(len(ev))
    f["evidence:user"] = math.log1p(sum(e.get("role") == "user" for e in ev))
    f["evidence:assistant"] = math.log1p(sum(e.get("role") == "assistant" for e in ev))
    f["conversations"] = math.log1p(len({e.get("conversation_id") for e in ev}))
    times = [parse_rfc3339(e["ts"]) for e in ev if e.get("ts")]
    f["span_days"] = math.log1p((max(times) - min(times)) / 86400.0) if times else 0.0
    f["severity"] = float(case.get("severity") or 0.0)
    f["priority:1"] = float(case.get("priority") == 1)
    f["priority:3"] = float(case.get("priority") == 3)
    stages = set(case.get("stages") or [])
    f["stages"] = float(len(stages))
    for s in stages:
        f[f"stage:{s}"] = 1.0
    top = ((case.get("categories") or [""])[0]).split("/")[0]
    for p in PATHWAYS:
        f[f"pathway:{p}"] = float(top == p)
    details = {s.get("detail") or "" for e in ev for s in (e.get("signals") or [])}
    f["voiced"] = float(any(d.startswith("voiced") for d in details))
    f["farewell"] = float("farewell" in details)
    f["contextual"] = float(any(e.get("contextual") for e in ev))
    peaks = sorted((float(e.get("score") or 0.0) for e in ev if e.get("role") == "user"), reverse=True) + [0.0] * 3
    f["peak:1"], f["peak:2"], f["peak:3"] = peaks[:3]
    f["user_turns_over_half"] = float(sum(p >= 0.5 for p in peaks))
    f["staged_turns"] = float(sum(1 for e in ev if e.get("stages")))
    f["trajectory"] = max((float(v) for v in (case.get("trajectory") or {}).values()), default=0.0)
    heading = list(case.get("heading") or []) + [0.0, 0.0]  # the person's two highest readings (stream/core/heading.py)
    f["heading:1"], f["heading:2"] = float(heading[0]), float(heading[1])
    return f


@dataclass(frozen=True)
class CaseConfidence:
    features: tuple[str, ...]
    weights: tuple[float, ...]  # per feature, on the raw feature (standardisation folded in)
    bias: float
    cuts: dict[str, float]  # the confidence at which "<share>" of benign people were flagged out of batch
    version: str = ""

    def of(self, case: dict) -> float:
        """The model's probability that the case's person is heading towards harm (4 decimals)."""
        f = case_features(case)
        z = self.bias + sum(w * f.get(name, 0.0) for name, w in zip(self.features, self.weights))
        return round(sigmoid(z), 4)

    def to_dict(self, **extra) -> dict:
        body = {"kind": KIND, "features": list(self.features), "weights": [round(w, 6) for w in self.weights],
                "bias": round(self.bias, 6), "cuts": {k: round(v, 4) for k, v in sorted(self.cuts.items())}}
        version = "conf-" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
        return {**body, "version": version, **extra}

    def floor(self, value: float | str, name: str = "min_confidence") -> float:
        """A policy's confidence floor as a number: itself, or the cut a share of benign people names
        ("5%": the `cuts` entry "0.05"); a share the file has no cut for is an error naming those it has."""
        if not isinstance(value, str):
            return float(value)
        key = cut_name(value)
        if key not in self.cuts:
            have = ", ".join(f"{float(k):.0%}" for k in sorted(self.cuts)) or "none"
            raise FloorError(f"{name} {value!r}: the case confidence model ({self.version}) has no cut for that share "
                             f"of benign people (it has: {have})")
        return self.cuts[key]

    @classmethod
    def from_dict(cls, d: dict) -> "CaseConfidence":
        """Refuses a file of another kind, or with features this runtime does not compute."""
        if d.get("kind") != KIND:
            raise CaseConfidenceFileError(f"not a case confidence model (kind {d.get('kind')!r})")
        names = tuple(str(n) for n in d["features"])
        unknown = [n for n in names if n not in BASE_FEATURES and not n.startswith("stage:")]
        if unknown:
            raise CaseConfidenceFileError(f"features this runtime does not compute: {', '.join(unknown)}; retrain it ({RETRAIN})")
        weights = tuple(float(w) for w in d["weights"])
        if len(weights) != len(names) or not all(math.isfinite(w) for w in weights):
            raise CaseConfidenceFileError("weights do not match the features")
        cuts = {str(k): float(v) for k, v in (d.get("cuts") or {}).items()}
        return cls(names, weights, float(d["bias"]), cuts, str(d.get("version", "")))

    @classmethod
    def load(cls, models_dir: Path | str | None) -> "CaseConfidence | None":
        """The model stored with the classifiers, or None when that directory has none."""
        return load_json(models_dir, FILE_NAME, cls.from_dict, CaseConfidenceFileError)


def confidence_floors(config, model: CaseConfidence | None, reads_person: bool = False) -> tuple[float, float, float, float | None]:
    """A policy's (enforcement, support, short pathway, trajectory) confidence floors as numbers. A floor
    named as a share of benign people ("5%") reads `model`'s cut for it, so it needs a model with that cut
    (`FloorError` otherwise). With `reads_person` (a heading reader loaded: the model's main inputs are its
    readings) the veto `implausible_confidence` raises both route floors. The short pathway floor
    (`short_pathway_confidence`) is read only when the policy opens short pathways (`short_pathways`);
    without a model none opens (the engine's `short_ok`).
    The trajectory floor (`trajectory_confidence`) is read only when the policy lets the trajectory model
    open cases (`trajectory_cases`); None when no trajectory case may open (off, or gated without a model)."""
    enforcement, support = _floor(config, model, "min_confidence"), _floor(config, model, "min_confidence_support")
    if reads_person:
        veto = getattr(config, "implausible_confidence", 0.0)
        enforcement, support = max(enforcement, veto), max(support, veto)
    opens_short = getattr(config, "short_pathways", "off") != "off" and model is not None
    return (enforcement, support, (_floor(config, model, "short_pathway_confidence") if opens_short else 0.0),
            trajectory_floor(config, model))


def trajectory_floor(config, model: CaseConfidence | None) -> float | None:
    """The floor a trajectory case's confidence must reach to open (`confidence_floors`): None when the policy
    lets no trajectory case open, or gates them (`trajectory_confidence` a share or above 0) without a model."""
    if not getattr(config, "trajectory_cases", False):
        return None
    gate = getattr(config, "trajectory_confidence", 0.0)
    if model is None:
        return None if isinstance(gate, str) or gate > 0.0 else 0.0
    return _floor(config, model, "trajectory_confidence")


def _floor(config, model: CaseConfidence | None, name: str) -> float:
    """One of a policy's confidence floors as a number (`confidence_floors`)."""
    value = getattr(config, name)
    if isinstance(value, str) and model is None:
        raise FloorError(f"{name} {value!r} names a cut of the case confidence model, but none is loaded "
                         f"({FILE_NAME})")
    return model.floor(value, name) if model is not None else float(value)
