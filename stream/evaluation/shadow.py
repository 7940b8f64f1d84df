"""Shadow configurations: an alternative model, thresholds or policy replayed next to the current one.

A shadow file is JSON: `{"policy": {PolicyConfig overrides}, "models_dir": "path", "thresholds":
{category: float}, "about": {...free-form provenance...}}`, every key optional. Policy values
override the current policy (zdr tenants are always the union: a shadow cannot un-protect a
tenant). Scoring is the expensive part, so lanes sharing a model share one `BatchMemo` and each
batch is scored once; thresholds are applied afterwards by `ThresholdScorer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import orjson

from stream.core.policy import PolicyConfig
from stream.scoring.lru import Lru
from stream.scoring.types import Scorer, TextScore
from stream.taxonomy import CATEGORIES

KEYS = {"policy", "models_dir", "thresholds", "about"}


@dataclass(frozen=True)
class ShadowConfig:
    policy: dict = field(default_factory=dict)
    models_dir: str | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    about: dict = field(default_factory=dict)


def parse_shadow_config(values: object, where: str = "shadow config") -> ShadowConfig:
    """Validate a shadow mapping; every problem is a ValueError naming the offending key."""
    if not isinstance(values, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(values).__name__}")
    unknown = set(values) - KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(KEYS))})")
    policy = values.get("policy", {})
    if not isinstance(policy, dict):
        raise ValueError(f"{where}: 'policy' must be an object of PolicyConfig fields")
    PolicyConfig.from_mapping(policy)  # raises on unknown fields
    thresholds = values.get("thresholds", {})
    if not isinstance(thresholds, dict):
        raise ValueError(f"{where}: 'thresholds' must be an object of category -> number")
    for cat, v in thresholds.items():
        if cat not in CATEGORIES:
            raise ValueError(f"{where}: unknown category {cat!r} in 'thresholds'")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
            raise ValueError(f"{where}: threshold for {cat!r} must be a number in [0, 1], got {v!r}")
    models_dir = values.get("models_dir")
    if models_dir is not None and not isinstance(models_dir, str):
        raise ValueError(f"{where}: 'models_dir' must be a path string")
    return ShadowConfig(policy, models_dir, {c: float(v) for c, v in thresholds.items()}, values.get("about") or {})


def load_shadow_config(path: str) -> ShadowConfig:
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"shadow config not found: {path}")
    try:
        values = orjson.loads(p.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"shadow config {path} is not valid JSON: {exc}") from None
    cfg = parse_shadow_config(values, f"shadow config {path}")
    if cfg.models_dir is not None:
        models = Path(cfg.models_dir)
        if not models.is_absolute():
            models = p.parent / models
        if not models.is_dir():
            raise ValueError(f"shadow config {path}: models_dir {cfg.models_dir!r} is not a directory")
        cfg = replace(cfg, models_dir=str(models))
    return cfg


def shadow_policy(base: PolicyConfig, cfg: ShadowConfig) -> PolicyConfig:
    """The current policy with the shadow's overrides (weights merged, zdr tenants unioned)."""
    parsed = PolicyConfig.from_mapping(cfg.policy)
    changes = {k: getattr(parsed, k) for k in cfg.policy}
    if "weights" in cfg.policy:
        changes["weights"] = {**base.weights, **cfg.policy["weights"]}
    changes["zdr_tenants"] = base.zdr_tenants | parsed.zdr_tenants
    return replace(base, **changes)


class BatchMemo:
    """Wraps a scorer so that lanes scoring the same texts back to back pay for them once.

    Keeps the most recent distinct calls (the batch, plus the core's one-text context re-scores,
    which are few per batch), so lane B finds lane A's results; a miss only costs time. Other
    attributes (version, threshold_map) pass through.
    """

    def __init__(self, inner: Scorer, keep: int = 1024):
        self.inner, self.keep = inner, keep
        self._cache: Lru[tuple[str, ...], list[TextScore]] = Lru(keep)
        self.calls = 0  # calls that actually reached the inner scorer

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def score_batch(self, texts: Sequence[str]) -> list[TextScore]:
        key = tuple(texts)
        hit = self._cache.get(key)
        if hit is None:
            hit = self.inner.score_batch(texts)
            self._cache.put(key, hit)
            self.calls += 1
        return hit


class ThresholdScorer:
    """The inner scorer with some per-category flag thresholds overridden (`threshold_map`, which the
    core flags against, and each score's `categories`/`flagged`); everything else passes through."""

    def __init__(self, inner: Scorer, thresholds: dict[str, float]):
        self.inner, self.overrides = inner, dict(thresholds)
        current = getattr(inner, "threshold_map", None) or {c: 0.5 for c in CATEGORIES}
        self.threshold_map = {**current, **self.overrides}

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def score_batch(self, texts: Sequence[str]) -> list[TextScore]:
        out = []
        for s in self.inner.score_batch(texts):
            flags = {c: (s.category_scores[c] >= self.overrides[c]) if c in self.overrides else s.categories[c]
                     for c in s.categories}
            out.append(TextScore(s.category_scores, flags, any(flags.values()), s.signals))
        return out
