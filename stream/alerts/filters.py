"""Which records an alert subscriber delivers: by priority, by category and by case confidence.

A filter narrows the records that carry the field it asks about (review cases). A record without
it passes: enforcement actions carry neither priority nor categories today, and a pager that asks
for urgent cases must not silently lose every ban.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from stream.taxonomy import CATEGORIES, PARENT


@dataclass(frozen=True)
class AlertFilter:
    max_priority: int | None = None  # deliver priority <= this (1 = most urgent)
    categories: frozenset[str] = frozenset()  # deliver when any category matches (empty = all)
    min_confidence: float | None = None  # deliver cases whose `confidence` is at least this (stream/core/confidence.py)

    @classmethod
    def build(cls, max_priority: int | None, categories: Iterable[str],
              min_confidence: float | None = None) -> "AlertFilter":
        """Validated filter: priorities are 1..4, categories (or parents) from the taxonomy, a
        confidence between 0 and 1."""
        if max_priority is not None and not 1 <= max_priority <= 4:
            raise ValueError(f"--max-priority must be 1..4, got {max_priority}")
        if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"--min-confidence must be between 0 and 1, got {min_confidence}")
        known = set(CATEGORIES) | set(PARENT.values())
        unknown = sorted(set(categories) - known)
        if unknown:
            raise ValueError(f"unknown category {', '.join(unknown)}; known: {', '.join(CATEGORIES)}")
        return cls(max_priority, frozenset(categories), min_confidence)

    def accepts(self, record: dict) -> bool:
        prio = record.get("priority")
        if self.max_priority is not None and isinstance(prio, int) and prio > self.max_priority:
            return False
        cats = record.get("categories")
        if self.categories and isinstance(cats, list):
            # "violence" also matches its sub-categories ("violence/graphic")
            if not any(c in self.categories or PARENT.get(c) in self.categories for c in cats):
                return False
        conf = record.get("confidence")
        if self.min_confidence is not None and isinstance(conf, (int, float)) and conf < self.min_confidence:
            return False
        return True
