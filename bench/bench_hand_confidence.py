"""The case confidence model on people written in another style: the hand scenarios.

Why: the confidence model (stream/core/confidence.py) is fitted on the blind writers' people (long
histories, 3-5 conversations, indirect), and its out-of-batch figures are read on more of the same.
The hand scenarios of tests/test_escalation_replay.py (issue 14's own threat, poisoning and grooming
patterns and our wording variants: two to five plain turns) are a different way of writing; every
person a case opens for there is one the tests expect a case for. This replays them all through the
committed models (one `riskstream replay`, as the tests do) and reports, per such person, the highest
confidence of their case events and which of the model's cuts (the floors at 2 / 5 / 10 % of written
benign people) it clears: what a confidence floor, or a ranking at those rates, would do to them.

Usage: python bench/bench_hand_confidence.py [--out bench/results/case_confidence_hand_scenarios.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def scenario_rows() -> list[dict]:
    """Every person of the hand scenarios' module-level sets, laid out as the tests lay them out:
    a tuple of texts one turn a day (`turns_of`), a list of conversations one a day (`conversations_of`)."""
    import tests.test_escalation_replay as hand

    rows = []
    for set_name in sorted(n for n in dir(hand) if n.isupper() and isinstance(getattr(hand, n), dict)):
        for person, turns in getattr(hand, set_name).items():
            user = f"{set_name}:{person}"
            if isinstance(turns, tuple) and all(isinstance(t, str) for t in turns):
                rows += hand.turns_of(user, turns)
            elif isinstance(turns, list) and all(isinstance(c, list) for c in turns):
                rows += hand.conversations_of(user, turns)
    return sorted(rows, key=lambda r: r["ts"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "case_confidence_hand_scenarios.json")
    args = ap.parse_args(argv)
    from tests.test_escalation_replay import replay

    model = json.loads((REPO / "models" / "case_confidence.json").read_text())
    cuts = {k: float(v) for k, v in model["cuts"].items()}
    rows = scenario_rows()
    with tempfile.TemporaryDirectory(prefix="rs-hand-") as tmp:
        cases = replay(Path(tmp), rows)
    best: dict[str, float] = {}
    first: dict[str, dict] = {}
    for c in cases:
        best[c["user_id"]] = max(best.get(c["user_id"], 0.0), c.get("confidence", 0.0))
        if c["event"] == "open":
            first.setdefault(c["user_id"], c)
    people = {u: {"highest_confidence": round(v, 4), "first_rule": first[u]["rule"] if u in first else None,
                  "route": first[u]["route"] if u in first else None,
                  "clears": [k for k, cut in sorted(cuts.items()) if v >= cut]} for u, v in sorted(best.items())}
    result = {
        "bench": "hand scenarios (tests/test_escalation_replay.py) replayed with the committed models: the case "
                 "confidence of every person a case opens for",
        "confidence_model": model["version"], "cuts": cuts,
        "people_laid_out": len({r["user_id"] for r in rows}), "turns": len(rows), "people_with_a_case": len(people),
        "clearing_each_cut": {k: sum(k in p["clears"] for p in people.values()) for k in sorted(cuts)},
        "people": people,
    }
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: result[k] for k in ("confidence_model", "people_with_a_case", "clearing_each_cut")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
