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

import sys

from models.train import tagger
from models.train.probe_request_pairs import read_pairs

PAIR_SETS = tuple(tagger.REPO / "bench" / "written" / n for n in ("request_pairs.jsonl", "request_pairs_b.jsonl"))
_rows = tagger.rows


def rows_with_pairs(holdout: frozenset[str] = frozenset(), seed: int = 14) -> list[tuple[str, set[str], str]]:
    """The tagger's rows plus the English safe rows of `PAIR_SETS` (family "written_pairs", no stage)."""
    return _rows(holdout, seed) + [(r["text"], set(), "written_pairs") for r in read_pairs(*PAIR_SETS)
                                   if r.get("kind") == "safe" and r.get("lang", "en") == "en"]


if __name__ == "__main__":
    tagger.rows = rows_with_pairs
    sys.argv[0] = "tagger"
    tagger.main()
