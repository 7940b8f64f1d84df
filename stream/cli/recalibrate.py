"""`riskstream recalibrate`: propose per-category thresholds (and the trajectory rule's cut) from reviewer decisions.

Holds a target precision (--target-precision) and/or a review budget (--budget-per-day) per
category. The proposal is written as a shadow configuration to --output, a new file: it never
changes the live thresholds; verify it with `riskstream replay --shadow OUTPUT` first.
"""

from __future__ import annotations

import sys
from pathlib import Path


def register(sub) -> None:
    from stream.cli.evaluate import add_decision_args
    from stream.config import add_kafka_args

    p = sub.add_parser("recalibrate", help="propose per-category thresholds for a target precision or review budget",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", required=True, metavar="FILE", help="case events from `riskstream replay --cases`")
    p.add_argument("--decisions", required=True, metavar="TOPIC|FILE", help="review decisions (file or topic)")
    p.add_argument("--target-precision", type=float, metavar="P", help="keep precision >= P per category (0..1)")
    p.add_argument("--budget-per-day", type=float, metavar="N", help="at most N cases per day per category")
    p.add_argument("--min-labelled", type=int, default=5, metavar="N",
                   help="move a threshold only with at least N reviewed cases above it (default 5)")
    p.add_argument("--output", required=True, metavar="FILE", help="where to write the proposal (shadow config JSON)")
    p.add_argument("--force", action="store_true", help="overwrite --output if it exists")
    add_decision_args(p)
    from stream.cli.common import add_models_arg

    add_models_arg(p)
    add_kafka_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import orjson

    from stream.cli.evaluate import fail, load_joined
    from stream.evaluation.recalibrate import propose_thresholds
    from stream.jsonl import check_output_dir
    from stream.scoring.cascade import default_models_dir

    out = Path(args.output)
    models = Path(args.models_dir) if args.models_dir else default_models_dir()
    if out.resolve().is_relative_to(models.resolve()):
        fail("recalibrate", f"refusing to write into the live models folder ({models}); "
                            "write the proposal elsewhere and review it")
    if out.exists() and not args.force:
        fail("recalibrate", f"{out} exists; pass --force to overwrite it")
    joined, _missed, span = load_joined(args, "recalibrate")
    if not joined:
        fail("recalibrate", "no cases to learn from")
    if span is not None:
        days = (span[1] - span[0]) / 86400
    else:
        days = (joined[-1].case.opened_at - joined[0].case.opened_at) / 86400 + 1
    try:
        proposal = propose_thresholds(joined, days, _current_thresholds(args), args.target_precision,
                                      args.budget_per_day, args.min_labelled, _current_trajectory(models))
    except ValueError as exc:
        fail("recalibrate", str(exc))
    proposal["about"]["cases"], proposal["about"]["decisions"] = args.cases, args.decisions
    check_output_dir(out)
    out.write_bytes(orjson.dumps(proposal, option=orjson.OPT_INDENT_2) + b"\n")
    for cat, info in proposal["about"]["per_category"].items():
        moved = f"{info['current']} -> {info['proposed']}" if info["proposed"] is not None else f"keep ({info['note']})"
        print(f"  {cat:<24} {moved}", file=sys.stderr)
    traj = proposal["about"].get("trajectory")
    if traj is not None:
        moved = (f"{traj['current']} -> {traj['proposed']}" if traj["proposed"] is not None
                 else f"keep ({traj['note']})")
        print(f"  {'trajectory (probability)':<24} {moved}", file=sys.stderr)
    what = f"{len(proposal['thresholds'])} categor(ies)" + (" and the trajectory cut" if "policy" in proposal else "")
    print(f"riskstream recalibrate: proposal for {what} written to {out}; "
          f"check it with: riskstream replay ... --shadow {out} --diff DIFF.json", file=sys.stderr)
    return 0


def _current_thresholds(args) -> dict[str, float]:
    from stream.cli.common import load_scorer

    scorer = load_scorer(args)
    current = getattr(scorer, "threshold_map", None) or getattr(scorer, "thresholds", None)
    return {c: round(float(v), 4) for c, v in current.items()} if isinstance(current, dict) else {}


def _current_trajectory(models: Path) -> float | None:
    """The live trajectory model's own threshold, as a probability (None without a model)."""
    from stream.core.trajectory import ModelFileError, TrajectoryModel, sigmoid

    try:
        model = TrajectoryModel.load(models)
    except ModelFileError:  # a broken file is replay's error to report, not recalibrate's
        return None
    return round(sigmoid(model.threshold), 4) if model is not None else None
