"""Every payload the core emits validates against the schema of the topic it goes to."""

from pathlib import Path

import orjson
import pytest
from jsonschema import Draft202012Validator

from stream.config import TOPICS
from stream.core.engine import Detector
from stream.core.events import parse_turn
from stream.core.identity import DictRegistry
from stream.core.pipeline import MemoryStore, run_batch, with_person
from stream.core.review import on_appeal, on_decision
from stream.drivers.faust_app import EFFECT_TOPICS
from stream.schemas import SCHEMA_DIR, first_error
from tests.fakes import TagScorer, turn

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", sorted(SCHEMA_DIR.glob("*.schema.json")), ids=lambda p: p.name)
def test_schema_files_are_valid_2020_12(path):
    Draft202012Validator.check_schema(orjson.loads(path.read_bytes()))


def test_every_topic_has_a_schema_file():
    for schema in TOPICS.values():
        assert (SCHEMA_DIR / f"{schema}.schema.json").is_file(), schema


def _check(effects):
    seen = set()
    for eff in effects:
        schema = TOPICS[EFFECT_TOPICS[eff.kind]]
        assert first_error(schema, eff.payload) is None, (eff.kind, first_error(schema, eff.payload), eff.payload)
        seen.add(eff.kind)
    return seen


def test_detector_effects_validate():
    rows = [orjson.loads(line) for line in (REPO / "examples" / "demo_turns.jsonl").read_bytes().splitlines()]
    rows += [turn(1, "[violence=0.95] threat", user="z", locale="en-GB"),
             turn(2, "[self-harm/intent=0.95] I will end it", user="s", locale="de-DE"),
             turn(3, "hi", user="new", person_id="p:z", ban_evasion={"decision_id": "d", "categories": ["violence"]})]
    det = Detector(TagScorer())
    reg = DictRegistry()
    turns = sorted((with_person(parse_turn(r, internal="ban_evasion" in r), reg) for r in rows), key=lambda t: t.order_key())
    seen = _check(e for _, effs in run_batch(det, turns, MemoryStore()) for e in effs)
    assert {"score", "case", "support"} <= seen


def test_review_effects_validate():
    d = {"decision_id": "d1", "case_id": "c1", "user_id": "u1", "reviewer_id": "r", "action": "ban",
         "categories": ["violence"], "ts": "2026-10-01T00:00:00Z"}
    assert first_error("review-decision", d) is None
    assert first_error("review-decision", {k: v for k, v in d.items() if k != "categories"}) is not None, \
        "a ban must name its categories"
    state, effects = on_decision(None, d, "p:u1", ["u1", "u2"], 1.79e9)
    appeal = {"appeal_id": "a1", "case_id": "c1", "decision_id": "d1", "user_id": "u1", "ts": "2026-10-02T00:00:00Z"}
    state, more = on_appeal(state, appeal, 1.79e9 + 1)
    _, last = on_decision(state, dict(d, decision_id="d2", action="dismiss", appeal_of="d1"), "p:u1", ["u1", "u2"], 1.79e9 + 2)
    seen = _check([e for e in effects + more + last if e.kind != "registry"])
    assert {"enforcement", "audit", "appeal_review"} <= seen


def _mutations(payload: dict):
    """The payload with each field dropped, and with each field replaced by values of other JSON
    types and edge values (a differential check needs invalid and valid records alike)."""
    odd = [None, True, 0, -1, 1.5, 3.0, 2**63, "", "x" * 5000, "2026-13-45T99:00:00Z", "not a time", [], [1], {},
           {"a": 1}, "\u0000", "🙂"]
    yield payload
    for key in list(payload):
        yield {k: v for k, v in payload.items() if k != key}
        for value in odd:
            yield {**payload, key: value}
    for value in odd:
        yield {**payload, "unexpected_field": value}


def _examples():
    rows = [orjson.loads(line) for line in (REPO / "examples" / "demo_turns.jsonl").read_bytes().splitlines()]
    from tests.hostile import hostile_records
    for _, raw in hostile_records():
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict):
            rows.append(value)
    return rows


def _person_fields():
    """What link adds to a turn on turns-by-person (validated by person-turn.schema.json)."""
    from tests.hostile import _FORGED_PRESCORE

    ban = {"decision_id": "d1", "categories": ["violence"], "linked_via": "email"}
    return [{"person_id": "p:u"}, {"person_id": "p:u", "ban_evasion": ban},
            {"person_id": "p:u", "prescored": _FORGED_PRESCORE}, {"person_id": "p:u", "ban_evasion": {}}]


@pytest.mark.parametrize("schema", ["turn", "person-turn"])
def test_the_compiled_validator_never_accepts_what_jsonschema_rejects(schema):
    """first_error trusts the compiled validator's "valid": it must never pass a record jsonschema
    would reject (on every demo turn and hostile record, each mutated field by field)."""
    from stream.schemas import fast_check, validator

    checked = accepted = 0
    for row in (_examples() if schema == "turn" else _person_fields()):
        for payload in _mutations(row):
            try:
                fast_check(schema)(payload)
            except Exception:  # noqa: BLE001 - rejected: jsonschema decides, nothing to compare
                continue
            accepted += 1
            assert not list(validator(schema).iter_errors(payload)), (schema, payload)
            checked += 1
    assert checked == accepted > 20, accepted  # enough accepted records for the comparison to mean something


def test_the_compiled_validator_accepts_valid_turns():
    """Otherwise every record would fall back to jsonschema (correct, but 20x slower)."""
    from stream.schemas import fast_check

    rows = [orjson.loads(line) for line in (REPO / "examples" / "demo_turns.jsonl").read_bytes().splitlines()]
    for row in rows:
        assert first_error("turn", row) is None
        fast_check("turn")(row)
