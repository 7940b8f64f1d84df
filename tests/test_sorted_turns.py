"""Bounded-memory event-time ordering for replays: spilled runs merge to exactly the sorted order."""

import random

from stream.core.events import parse_turn
from stream.drivers.sorted_turns import SortedTurns
from tests.fakes import turn


def _turns(n: int) -> list:
    rng = random.Random(5)
    rows = []
    for i in range(n):
        r = turn(i, f"text {i}", user=f"u{rng.randrange(4)}", conv=f"c{rng.randrange(3)}", day=1 + rng.randrange(3),
                 hour=rng.randrange(3))
        r["ts"] = r["ts"][:14] + "00:00Z"  # many equal timestamps: ties broken by user, conversation, index, id
        rows.append(parse_turn(r))
    return rows


def test_spilled_runs_merge_to_the_order_of_one_sort_and_are_removed():
    turns = _turns(200)
    expected = sorted(turns, key=lambda t: t.order_key())
    with SortedTurns(run_size=7) as st:
        for t in turns:
            st.add(t)
        assert len(st) == 200 and st.spilled_runs == 28, "200 turns in runs of 7: 28 on disk, 4 in memory"
        run_dir = st._dir
        assert [t.event_id for t in st] == [t.event_id for t in expected]
        assert [t.event_id for t in st] == [t.event_id for t in expected], "iterable again (deletion holds read twice)"
    assert not run_dir.exists(), "temporary runs are removed"


def test_small_inputs_never_touch_the_disk():
    with SortedTurns(run_size=1000) as st:
        for t in _turns(50):
            st.add(t)
        assert st.spilled_runs == 0 and st._dir is None
        assert [t.order_key() for t in st] == sorted(t.order_key() for t in st)
