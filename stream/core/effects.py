"""Effects: what the core asks a driver to emit. Drivers map `kind` to a topic or a file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Effect:
    kind: str  # "score" | "case" | "dead_letter"
    key: str | None  # partitioning key (user id), None when there is none
    payload: dict
