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


def build_detector(args: argparse.Namespace):
    from stream.core.engine import Detector
    from stream.scoring import load_default_scorer

    scorer = load_default_scorer()
    return Detector(scorer, load_policy(args))
