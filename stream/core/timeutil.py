"""Event-time helpers: RFC 3339 <-> epoch seconds, always UTC."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_rfc3339(value: str) -> float:
    """Epoch seconds of an RFC 3339 timestamp; raises ValueError when it has no offset or is malformed."""
    dt = datetime.fromisoformat(value.replace("z", "Z"))
    if dt.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no UTC offset")
    return dt.timestamp()


def format_rfc3339(epoch: float) -> str:
    """Canonical UTC form with millisecond precision and a Z suffix (stable across runs)."""
    dt = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
