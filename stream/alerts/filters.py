"""Which records an alert subscriber delivers: by priority and by category."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AlertFilter:
    max_priority: int | None = None  # deliver priority <= this (1 = most urgent)
    categories: frozenset[str] = frozenset()  # deliver when any category matches (empty = all)

    def accepts(self, record: dict) -> bool:
        prio = record.get("priority")
        if self.max_priority is not None and isinstance(prio, int) and prio > self.max_priority:
            return False
        if self.categories:
            cats = set(record.get("categories") or [])
            # "violence" also matches its sub-categories ("violence/graphic")
            if not any(c in self.categories or c.split("/")[0] in self.categories for c in cats):
                return False
        return True
