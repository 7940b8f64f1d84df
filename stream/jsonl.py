"""JSON Lines I/O shared by the CLI commands: `-` means stdin/stdout, outputs are written whole-line."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import IO, Iterator

import orjson


@contextlib.contextmanager
def open_input(path: str) -> Iterator[IO[bytes]]:
    if path == "-":
        yield sys.stdin.buffer
        return
    p = Path(path)
    if not p.is_file():
        raise SystemExit(f"riskstream: input file not found: {path}")
    with p.open("rb") as fh:
        yield fh


@contextlib.contextmanager
def open_output(path: str | None) -> Iterator[IO[bytes] | None]:
    """Binary writer for `path` (`-` = stdout, None = no output). Its folder must exist: a typo in a
    path must not silently create a directory tree somewhere."""
    if path is None:
        yield None
        return
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    p = Path(path)
    check_output_dir(p)
    with p.open("wb") as fh:
        yield fh


def check_output_dir(path: Path) -> None:
    parent = path.parent
    if not parent.is_dir():
        raise SystemExit(f"riskstream: output directory does not exist: {parent} (create it first)")


def dumps_line(obj: dict) -> bytes:
    """One canonical JSON line (stable key order as built, no spaces): byte-identical across runs."""
    return orjson.dumps(obj) + b"\n"


def iter_lines(fh: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, raw line) for non-blank lines."""
    for n, line in enumerate(fh, 1):
        if line.strip():
            yield n, line.rstrip(b"\r\n")
