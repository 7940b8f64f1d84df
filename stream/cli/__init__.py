"""The `riskstream` command line. One module per sub-command, each with `register(subparsers)`.

Modules import their heavy dependencies inside the handler so `riskstream --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """One BLAS / OpenMP thread per process unless the caller chose otherwise (call before anything
    loads numpy): riskstream runs in parallel as processes (`replay --workers`, one worker per set of
    partitions; the ONNX sessions already take one thread, RISKSTREAM_ORT_THREADS), and a second BLAS
    thread in each spins for CPU-seconds without speed: a one-process replay of bench/realistic.py's
    mix took 17.3 instead of 20.8 CPU-seconds, the same wall time and byte-identical output (session 59)."""
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")


one_blas_thread()  # every `riskstream` command, and what imports this module before numpy

# Sub-command modules, in the order `--help` lists them.
COMMANDS = (
    "score",
    "serve",
    "replay",
    "worker",
    "alerts",
    "reveal",
    "eval_classifier",
    "simulate",
    "evaluate",
    "recalibrate",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riskstream", description="Conversation risk monitoring on Kafka.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"stream.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("riskstream: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except ValueError as exc:
        from stream.core.modelfiles import UnusableModelFile  # lazy: keeps `riskstream --help` fast

        if not isinstance(exc, UnusableModelFile):
            raise
        print(f"riskstream: unusable model file: {exc}", file=sys.stderr)
        return 2
