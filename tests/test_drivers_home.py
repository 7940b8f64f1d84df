"""A person's home partition, and the turn detected there without crossing turns-by-person (issue 16)."""

from __future__ import annotations

import uuid

import orjson
import pytest
from kafka.partitioner.default import murmur2 as kafka_python_murmur2

from stream.core.events import parse_turn, person_payload, person_turn
from stream.drivers.home import home_account, home_partition, legacy_partition
from tests.fakes import turn


@pytest.mark.parametrize("partitions", [1, 3, 6, 12])
def test_a_first_account_is_homed_where_kafkas_default_partitioner_puts_its_turns(partitions):
    for _ in range(200):
        user = f"user-{uuid.uuid4()}"
        # kafka-python's producer keyed by user id (the broker-level check: tests/test_equivalence.py)
        placed = (kafka_python_murmur2(user.encode()) & 0x7FFFFFFF) % partitions
        assert home_partition(f"p:{user}", partitions) == placed
        assert home_partition(user, partitions) == placed  # a person id the platform names is homed by itself


def test_a_linked_account_is_homed_by_its_persons_first_account():
    assert home_account("p:acct-a") == "acct-a"
    assert home_account("person-77") == "person-77"
    spread = {home_partition(f"p:{uuid.uuid4()}", 6) for _ in range(300)}
    assert spread == set(range(6))  # not everyone on one partition


@pytest.mark.parametrize("extra", [
    {},
    {"tenant_id": "acme", "locale": "en-GB", "identity": {"device_hash": "d-1", "email_hash": "e-9"}},
    {"text": "x" * 25_000},  # cut to the limit: text_chars says how long it was
])
@pytest.mark.parametrize("ban", [None, {"categories": ["violence"], "case_id": "c-1", "linked_via": "device_hash:d-1"}])
def test_the_turn_detected_at_home_is_the_turn_detect_reads_off_the_topic(extra, ban):
    row = {**turn(3, "He will regret it.", user="acct-b", conv="cb1"), **extra}
    parsed = parse_turn(orjson.dumps(row))
    payload = person_payload(parsed, "p:acct-a")
    if ban:
        payload["ban_evasion"] = ban
    crossed = parse_turn(orjson.dumps(payload), internal=True)
    assert person_turn(parsed, "p:acct-a", ban) == crossed
    assert crossed.person_id == "p:acct-a" and (crossed.text_chars == 25_000) == ("text" in extra)


def test_the_legacy_partition_is_where_the_person_id_itself_was_placed():
    """Before homes, turns-by-person was keyed by the person id with Kafka's default partitioner."""
    for _ in range(200):
        person = f"p:user-{uuid.uuid4()}"
        assert legacy_partition(person, 6) == (kafka_python_murmur2(person.encode()) & 0x7FFFFFFF) % 6
