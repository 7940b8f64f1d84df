"""Probe (session 50, not part of `make models`): the stage tagger trained with the user turns of
blind-written benign people as rows with no stage.

The benign people of the batches named (`bench/people/batchN/`: venting about a roommate, exam
hyperbole, a hospice nurse, a gamer) are what the tagger reads stages into most on people it never
saw; their user turns are added to `models.train.tagger.rows` (family "written_people", no stage:
negatives, and safe rows for the thresholds too); the tagger is then trained as `make models` trains
it, into another models directory (copy `models/` there first), whose people figures
`bench/bench_people.py --models-dir` reads. Those batches are training data from then on.

    cp -r models /tmp/m && python -m models.train.probe_tagger_people --batches 6,7,8 --models-dir /tmp/m

Outcome (batches 6-11, measured on batches 12-17 and the dev thirds of 1, 3, 4, 5; not pursued):
`bench/results/tagger_people_negatives_probe.json`. Benign people flagged 115 -> 66 of 406, escalating
people found 136 -> 116 of 220 (recall at 2 % of benign people 31.4 -> 27.3 %), dev thirds 51 / 8 -> 41 / 9.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial

from bench.bench_people import batch_files, load, user_turns
from models.train import tagger

_rows = tagger.rows


def benign_turns(batches) -> list[str]:
    """The user turns of the benign people of `batches` (read as bench/bench_people.py reads them)."""
    return user_turns([p for p in load([f for b in batches for f in batch_files(b)], "all") if p["kind"] == "benign"])


def rows_with_people(batches, holdout: frozenset[str] = frozenset(), seed: int = 14) -> list[tuple[str, set[str], str]]:
    """The tagger's rows plus the benign people's user turns of `batches` (family "written_people")."""
    return _rows(holdout, seed) + [(t, set(), "written_people") for t in benign_turns(batches)]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", required=True, help="comma-separated batch numbers of bench/people (e.g. 6,7,8)")
    known, rest = ap.parse_known_args()  # the rest is the tagger's own arguments (--models-dir, --holdout, ...)
    tagger.rows = partial(rows_with_people, tuple(known.batches.split(",")))
    sys.argv = ["tagger"] + rest
    tagger.main()
