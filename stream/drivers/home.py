"""Where a person's window lives: the partition of turns-by-person and of the windows table.

A person's id is "p:" + their first account (or the platform's own `person_id`), while the platform
keys `turns` by account. A person is homed at the partition Kafka's default partitioner (murmur2,
as the Java, kafka-python and aiokafka producers use) gives that first account. So a turn of an
account that is its person's first, keyed by user id, is read on the partition that holds its
window and is detected there, with no second topic hop (issue 16); only turns whose home is on
another partition (linked accounts, persons the platform names, producers with another
partitioner) cross turns-by-person. Every record sent to turns-by-person goes to `home_partition`:
the window of a person is found on one partition whichever way its turns came.
"""

from __future__ import annotations

from aiokafka.partitioner import murmur2


def home_account(person_id: str) -> str:
    """The account a person is homed by: their first account for a linked person, else the id."""
    return person_id[2:] if person_id.startswith("p:") else person_id


def placed(key: str, partitions: int) -> int:
    """The partition Kafka's default partitioner gives a record keyed by `key` (murmur2)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def home_partition(person_id: str, partitions: int) -> int:
    """Where a record keyed by the person's home account is placed."""
    return placed(home_account(person_id), partitions)


def legacy_partition(person_id: str, partitions: int) -> int:
    """Where a person's window lived before homes (turns-by-person keyed by the person id, Kafka's
    default partitioner): a window written there by an earlier version is still there, so erase and
    purge reach it too (`faust_privacy.send_control`)."""
    return placed(person_id, partitions)
