"""Load the JSON Schemas in `schemas/` and validate payloads against them.

The schemas are the contract of every topic; validators are compiled once per process. A valid
payload (nearly every record) is confirmed by a validator compiled to Python code
(fastjsonschema, about 20x faster than jsonschema on a turn); only a payload it rejects is
explained by jsonschema, whose verdict and message are the ones that count. Formats are checked
exactly as jsonschema's format checker checks them here (a format it cannot check passes both).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import fastjsonschema
import orjson
from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(os.environ.get("RISKSTREAM_SCHEMA_DIR", Path(__file__).resolve().parents[1] / "schemas"))
_FORMATS = Draft202012Validator.FORMAT_CHECKER


def _schema(name: str) -> dict:
    return orjson.loads((SCHEMA_DIR / f"{name}.schema.json").read_bytes())


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """Compiled validator for `schemas/<name>.schema.json` (e.g. "turn", "review-case")."""
    schema = _schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=_FORMATS)


def _conforms(fmt: str):
    return lambda value: _FORMATS.conforms(value, fmt)


@functools.cache
def fast_check(name: str):
    """`check(payload)` that returns normally when the payload is valid (raises otherwise).
    Written in draft-07 terms: the schemas use no keyword of later drafts (tests/test_schemas.py)."""
    schema = {k: v for k, v in _schema(name).items() if k != "$schema"}
    formats = {fmt: _conforms(fmt) for fmt in _formats_in(schema)}  # every one the schema uses, as jsonschema
    return fastjsonschema.compile(schema, formats=formats, use_default=False)


def _formats_in(node) -> set[str]:
    """Every `format` named anywhere in a schema."""
    if isinstance(node, dict):
        own = {node["format"]} if isinstance(node.get("format"), str) else set()
        return own.union(*(_formats_in(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_formats_in(v) for v in node))
    return set()


@functools.cache
def fields_of(name: str) -> frozenset[str]:
    """The properties a schema declares (an extension schema's fields, see parse_turn)."""
    return frozenset(_schema(name)["properties"])


def first_error(name: str, payload: object) -> tuple[str, str] | None:
    """(message, json-pointer) of the most relevant violation, or None when the payload is valid."""
    try:
        fast_check(name)(payload)
        return None
    except fastjsonschema.JsonSchemaException:
        pass  # jsonschema decides and explains
    errors = sorted(validator(name).iter_errors(payload), key=lambda e: (len(e.path), e.message))
    if not errors:
        return None
    err = errors[0]
    pointer = "/" + "/".join(str(p) for p in err.absolute_path)
    return err.message, pointer
