"""Decode and validate JSON records from a file or topic, collecting (not raising) what is invalid.

Label and privacy inputs are historical: one bad record must not stop an evaluation, but it must
be reported with where it came from.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import orjson

from stream.schemas import first_error


def valid_records(records: Iterable[tuple[object, bytes]], schema: str | None, errors: list[str]
                  ) -> Iterator[tuple[object, dict]]:
    """(where, object) for each record that is a JSON object valid against `schema` (if given)."""
    for where, raw in records:
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            errors.append(f"{where}: not valid JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            errors.append(f"{where}: expected a JSON object")
            continue
        problem = first_error(schema, obj) if schema else None
        if problem is not None:
            errors.append(f"{where}: schema violation at {problem[1]}: {problem[0]}")
            continue
        yield where, obj
