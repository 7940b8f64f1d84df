"""`riskstream simulate`: write synthetic user timelines (turns + ground truth) for the escalation benchmark.

Built from the dev split of ../shared/datasets (never the rows the classifiers trained on).
Then: `riskstream replay --input DIR/turns.jsonl --cases DIR/cases.jsonl --scores DIR/scores.jsonl`
and `riskstream evaluate --cases DIR/cases.jsonl --truth DIR/truth.jsonl --turns DIR/turns.jsonl`.
"""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("simulate", help="write synthetic escalating / benign / spike user timelines",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, metavar="DIR", help="writes DIR/turns.jsonl and DIR/truth.jsonl")
    p.add_argument("--datasets", metavar="DIR", help="../shared/datasets by default (env RISKSTREAM_DATASETS)")
    p.add_argument("--violent", type=int, default=150, help="escalating violence users (default 150)")
    p.add_argument("--self-harm", type=int, default=None, help="at-risk users (default: every dev-split one)")
    p.add_argument("--benign", type=int, default=1500, help="benign users (default 1500)")
    p.add_argument("--spike", type=int, default=100, help="single-spike users (default 100)")
    p.add_argument("--part", choices=("all", "tune", "report"), default="all",
                   help="which half of the dev split to draw from: tune policy on 'tune', report figures on "
                        "'report' (default: all)")
    p.add_argument("--families", choices=("in", "out"), default="in",
                   help="'in': people from the classifiers' training families (their dev rows); 'out': people from "
                        "families no model trained on (hand-written scripts, r/SuicideWatch, safe-but-scary sources)")
    p.add_argument("--fold", default="A", help="with --families out: which fold's held-out families the source "
                   "texts come from (stream/simulate/pools.py FOLDS; default A)")
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from stream.jsonl import dumps_line
    from stream.simulate.pools import load_out_of_family, load_pools
    from stream.simulate.timelines import build, build_out_of_family

    root = Path(args.datasets) if args.datasets else None
    if args.families == "out":
        turns, truth = build_out_of_family(load_out_of_family(root, part=args.part, fold=args.fold), args.benign,
                                           seed=args.seed)
    else:
        turns, truth = build(load_pools(root, part=args.part), args.violent, args.self_harm, args.benign, args.spike,
                             args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "turns.jsonl").write_bytes(b"".join(dumps_line(t) for t in turns))
    (out / "truth.jsonl").write_bytes(b"".join(dumps_line(t) for t in truth))
    kinds: dict[str, int] = {}
    for t in truth:
        kinds[t["kind"]] = kinds.get(t["kind"], 0) + 1
    print(f"simulated {len(truth)} users ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}), "
          f"{len(turns)} turns -> {out}/turns.jsonl, {out}/truth.jsonl", file=sys.stderr)
    return 0
