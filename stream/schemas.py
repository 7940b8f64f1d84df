"""Load the JSON Schemas in `schemas/` and validate payloads against them.

The schemas are the contract of every topic; validators are compiled once per process.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import orjson
from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(os.environ.get("RISKSTREAM_SCHEMA_DIR", Path(__file__).resolve().parents[1] / "schemas"))


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """Compiled validator for `schemas/<name>.schema.json` (e.g. "turn", "review-case")."""
    schema = orjson.loads((SCHEMA_DIR / f"{name}.schema.json").read_bytes())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@functools.cache
def fields_of(name: str) -> frozenset[str]:
    """The properties a schema declares (an extension schema's fields, see parse_turn)."""
    return frozenset(orjson.loads((SCHEMA_DIR / f"{name}.schema.json").read_bytes())["properties"])


def first_error(name: str, payload: object) -> tuple[str, str] | None:
    """(message, json-pointer) of the most relevant violation, or None when the payload is valid."""
    errors = sorted(validator(name).iter_errors(payload), key=lambda e: (len(e.path), e.message))
    if not errors:
        return None
    err = errors[0]
    pointer = "/" + "/".join(str(p) for p in err.absolute_path)
    return err.message, pointer
