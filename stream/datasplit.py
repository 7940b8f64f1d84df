"""The train/dev split of `../shared/datasets`, shared by model training and timeline simulation.

A row is dev when its source marks it dev/valid/val/validate/test, otherwise by a deterministic
15 % hash of its id. Simulated timelines draw only dev rows, so the benchmark never replays text
the classifiers were trained on.
"""

from __future__ import annotations

import hashlib

DEV_NAMES = ("dev", "valid", "val", "validate", "test")


def hash_split(key: str, pct: int = 15) -> str:
    h = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % 100
    return "dev" if h < pct else "train"


def split_of(row: dict) -> str:
    s = row.get("labels", {}).get("split")
    if s is None:
        return hash_split(row["id"])
    return "dev" if s in DEV_NAMES else "train"
