"""stream/core/hindsight.py: which unsupported stage readings are kept to cite later, which a case
cites, and where they sit among its evidence."""

from __future__ import annotations

from stream.core import hindsight
from stream.core.policy import PolicyConfig
from stream.core.stages import BY_KEY
from stream.core.window import Evidence, UserWindow

CFG = PolicyConfig()
DAY = 86400.0
NOT_FRAMED = (False,) * 9
PLAY = (False,) * 6 + (True,) + (False,) * 2


def _window(**stages) -> UserWindow:
    return UserWindow("p:u", updated=10 * DAY, stages={k.replace("_", ":"): v for k, v in stages.items()})


def _read(window, tagged, flags=NOT_FRAMED, counted=(), ts=10 * DAY):
    return [f"{st.pathway}:{st.name}" for st in
            hindsight.readings(window, ts, "e9", tagged, [BY_KEY[k] for k in counted], flags, {}, False, CFG)]


def test_a_later_stage_is_kept_only_where_its_pathway_has_a_counted_stage_in_the_stage_window():
    tagged = ["violence:research", "violence:planning"]
    assert _read(_window(), tagged) == []
    assert _read(_window(**{"violence_grievance": [9 * DAY, "e1"]}), tagged) == tagged
    old = 10 * DAY - (CFG.stage_window_days + 1) * DAY
    assert _read(_window(**{"violence_grievance": [old, "e1"]}), tagged) == [], "beyond the stage window"
    assert _read(_window(**{"self-harm_distress": [9 * DAY, "e1"]}), tagged) == [], "another pathway"
    assert _read(_window(**{"violence_grievance": [10 * DAY, "e9"]}), tagged) == [], "the turn's own stage is no pattern"


def test_first_rungs_counted_stages_third_party_labels_and_play_are_not_kept():
    w = _window(**{"violence_grievance": [9 * DAY, "e1"]})
    assert _read(w, ["violence:grievance", "third_party"]) == []
    assert _read(w, ["violence:research", "violence:planning"], counted=["violence:research"]) == ["violence:planning"]
    assert _read(w, ["violence:research"], flags=PLAY) == [], "a game's research is no one's"


def test_a_case_cites_kept_turns_on_its_pathway_before_it_in_the_stage_window():
    def kept(i, ts, stage):
        return Evidence(f"e{i}", "c", i, ts, "user", "violence", 0.1, {}, stages=[stage])

    w = UserWindow("p:u", hindsight=[kept(1, 1 * DAY, "violence:research"), kept(2, 8 * DAY, "self-harm:plan"),
                                     kept(3, 9 * DAY, "violence:planning"), kept(4, 11 * DAY, "violence:planning")])
    assert hindsight.cited(w, 10 * DAY, "e9", "violence", [], CFG) == ["e1", "e3"]
    assert hindsight.cited(w, 10 * DAY, "e9", None, ["self-harm/intent"], CFG) == ["e2"]
    assert hindsight.cited(w, 30 * DAY, "e9", "violence", [], CFG) == ["e3", "e4"], "e1 is beyond the stage window"
    assert hindsight.cited(w, 10 * DAY, "e9", None, ["hate"], CFG) == []


def test_turns_read_in_hindsight_sit_by_time_and_the_evidence_keeps_its_order():
    def ev(name, ts):
        return Evidence(name, "c", 0, ts, "user", "violence", 0.5, {})

    relevant = [ev("a", 1.0), ev("late", 0.5), ev("c", 5.0)]  # a late turn: the evidence is not sorted
    out = hindsight.merge(relevant, [ev("h2", 4.0), ev("h0", 0.0)])
    assert [e.event_id for e in out] == ["h0", "a", "late", "h2", "c"]
