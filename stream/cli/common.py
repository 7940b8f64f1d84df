"""Options and builders shared by several sub-commands (policy file, detector construction)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

import orjson


def add_policy_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", metavar="FILE",
                        help="JSON file of case-policy settings (see README 'Configuration'); defaults apply otherwise")
    parser.add_argument("--zdr-tenants", metavar="IDS", default=os.environ.get("RISKSTREAM_ZDR_TENANTS", ""),
                        help="comma-separated zero-data-retention tenant ids (env RISKSTREAM_ZDR_TENANTS)")


def load_policy(args: argparse.Namespace):
    from stream.core.policy import PolicyConfig

    values: dict = {}
    if getattr(args, "policy", None):
        path = Path(args.policy)
        if not path.is_file():
            config_error(f"policy file not found: {path}")
        try:
            values = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            config_error(f"policy file {path} is not valid JSON: {exc}")
        if not isinstance(values, dict):
            config_error(f"policy file {path} must hold a JSON object")
    zdr = {t.strip() for t in (getattr(args, "zdr_tenants", "") or "").split(",") if t.strip()}
    if zdr:
        values["zdr_tenants"] = sorted(set(values.get("zdr_tenants", [])) | zdr)
    try:
        return PolicyConfig.from_mapping(values)
    except (TypeError, ValueError) as exc:
        config_error(f"bad policy settings: {exc}")


def config_error(message: str, command: str = "") -> NoReturn:
    """A configuration mistake: one line on stderr, exit status 2 (before anything runs)."""
    print(f"riskstream{' ' + command if command else ''}: {message}", file=sys.stderr)
    raise SystemExit(2)


def add_models_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models-dir", metavar="DIR",
                        help="classifier models to load (env RISKSTREAM_MODELS_DIR, default the committed models/)")


def check_models_dir(args: argparse.Namespace) -> str | None:
    """--models-dir (or None: the default); a clear exit if it is not a directory."""
    models_dir = getattr(args, "models_dir", None)
    if models_dir and not Path(models_dir).is_dir():
        raise SystemExit(f"riskstream: models directory not found: {models_dir}")
    return models_dir


def load_scorer(args: argparse.Namespace, **kwargs):
    """The production cascade from --models-dir (or RISKSTREAM_MODELS_DIR, or models/); a clear exit if unusable."""
    from stream.scoring import load_default_scorer

    models_dir = check_models_dir(args)
    try:
        return load_default_scorer(models_dir=models_dir, **kwargs)
    except Exception as exc:  # onnxruntime raises its own types; any of them means the same to an operator
        from stream.scoring.cascade import default_models_dir

        raise SystemExit(f"riskstream: cannot load the models in {models_dir or default_models_dir()}: {exc}")


def build_detector(args: argparse.Namespace, wrap=None):
    """Detector over the scorer from --models-dir; `wrap` (e.g. a metrics timer) goes around the scorer."""
    scorer = load_scorer(args)
    return new_detector(wrap(scorer) if wrap else scorer, load_policy(args))


def check_floors(args: argparse.Namespace, policy) -> None:
    """Before any process starts: the policy's confidence floors resolve against --models-dir's case
    confidence model (a floor named as a share of benign people needs the model's cut)."""
    from stream.core.confidence import CaseConfidence, FloorError, confidence_floors
    from stream.scoring.cascade import default_models_dir

    try:
        confidence_floors(policy, CaseConfidence.load(getattr(args, "models_dir", None) or default_models_dir()))
    except FloorError as exc:  # an unusable model file is the caller's (`riskstream: unusable model file`)
        config_error(f"bad policy settings: {exc}")


def new_detector(scorer, policy):
    """A detector, or a clear exit when the policy asks what the loaded models cannot give (a confidence
    floor named as a share of benign people the case confidence model has no cut for, or without one)."""
    from stream.core.confidence import FloorError
    from stream.core.engine import Detector

    try:
        return Detector(scorer, policy)
    except FloorError as exc:
        config_error(f"bad policy settings: {exc}")
