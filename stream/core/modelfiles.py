"""Reading a person-level model file stored next to the classifiers (trajectory model, stage tagger)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")


class UnusableModelFile(ValueError):
    """A file stored with the classifiers that this runtime cannot use (broken, or built for other
    labels, features, encoder or classifiers): the programs stop at start with one line naming it."""


def load_json(models_dir: Path | str | None, file_name: str, build: Callable[[dict], T],
              error: type[ValueError]) -> T | None:
    """`build(parsed JSON)` of `<models_dir>/<file_name>`; None when the directory has no such file;
    `error` (naming the file) when it cannot be used."""
    if models_dir is None:
        return None
    path = Path(models_dir) / file_name
    if not path.is_file():
        return None
    try:
        return build(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise error(f"{path}: {exc}") from exc
