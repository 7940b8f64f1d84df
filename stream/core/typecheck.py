"""Type checks for configuration dataclasses, from their field annotations, at load time.

A wrong type in a config file (`{"severe_score": "high"}`) must stop the program at start with
one clear line, not load and crash the agent on the first turn (losing that batch).
"""

from __future__ import annotations

from dataclasses import fields


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# annotation (as written, `from __future__ import annotations`) -> (check, what it expects)
_CHECKS = {
    "float": (_is_number, "a number"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "str": (lambda v: isinstance(v, str), "a string"),
    "float | None": (lambda v: v is None or _is_number(v), "a number or null"),
    "float | str": (lambda v: _is_number(v) or isinstance(v, str), "a number or a string"),
    "int | None": (lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)), "an integer or null"),
    "dict[str, float]": (lambda v: isinstance(v, dict) and all(isinstance(k, str) and _is_number(x) for k, x in v.items()),
                         "an object of numbers"),
    "frozenset[str]": (lambda v: isinstance(v, (list, tuple, set, frozenset)) and all(isinstance(x, str) for x in v),
                       "a list of strings"),
}


def type_errors(cls, values: dict) -> list[str]:
    """One message per value whose type does not match its field in dataclass `cls`."""
    kinds = {f.name: f.type for f in fields(cls)}
    out = []
    for name, value in values.items():
        check = _CHECKS.get(kinds.get(name))
        if check is not None and not check[0](value):
            out.append(f"{name} must be {check[1]}, got {value!r}")
    return out


def check_types(cls, values: dict) -> None:
    """Raise TypeError naming every mistyped value (one line)."""
    errors = type_errors(cls, values)
    if errors:
        raise TypeError("; ".join(errors))
