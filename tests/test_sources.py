"""The repository's text files hold no control characters: a pattern written with "\b" outside a
raw string (a backspace) silently stops matching. `framing.PLAY`'s named games carried one from
session 28 to session 34 and never matched."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIRS = ("stream", "models/train", "models/data", "models/lists", "models/banks", "tests", "bench", "dev", "schemas",
        "config", "resources", "examples", ".ci")
SUFFIXES = {".py", ".json", ".jsonl", ".md", ".toml", ".yml", ".yaml", ".txt", ""}
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NEWLINE = b"\n"


def _files():
    for d in DIRS:
        for path in sorted((ROOT / d).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES and "__pycache__" not in path.parts:
                yield path
    yield from (ROOT / name for name in ("README.md", "Makefile", "pyproject.toml", "docker-compose.yml", "Dockerfile"))


def test_no_control_characters_in_the_sources():
    bad = []
    for path in _files():
        data = path.read_bytes()
        m = CONTROL.search(data)
        if m:
            line = data[:m.start()].count(NEWLINE) + 1
            bad.append(f"{path.relative_to(ROOT)}:{line}")
    assert bad == []


def test_the_check_finds_a_backspace(tmp_path):
    assert CONTROL.search('r"\b(?:elden ring)"'.encode())
