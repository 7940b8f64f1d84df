"""Probe (session 49, not part of `make models`): the stage tagger trained with the written look-alike
requests as rows with no stage.

The safe rows of the first two written request-pair sets (`bench/written/request_pairs.jsonl`,
`request_pairs_b.jsonl`: "what is the best way to kill the weeds between my patio stones") are added
to `models.train.tagger.rows`; the tagger is then trained as `make models` trains it, into another
models directory (copy `models/` there first), whose people figures `bench/bench_people.py
--models-dir` reads. Outcome: `bench/results/tagger_pair_negatives_probe.json`.

    cp -r models /tmp/m && python -m models.train.probe_tagger_pairs --models-dir /tmp/m
"""

from __future__ import annotations

import json
import sys

from models.train import tagger

PAIR_SETS = ("request_pairs.jsonl", "request_pairs_b.jsonl")
_rows = tagger.rows


def rows_with_pairs(holdout: frozenset[str] = frozenset(), seed: int = 14) -> list[tuple[str, set[str], str]]:
    """The tagger's rows plus the English safe rows of `PAIR_SETS` (family "written_pairs", no stage)."""
    out = _rows(holdout, seed)
    for name in PAIR_SETS:
        with (tagger.REPO / "bench" / "written" / name).open(encoding="utf-8") as f:
            out += [(r["text"], set(), "written_pairs") for r in map(json.loads, f)
                    if r.get("kind") == "safe" and r.get("lang", "en") == "en"]
    return out


if __name__ == "__main__":
    tagger.rows = rows_with_pairs
    sys.argv[0] = "tagger"
    tagger.main()
