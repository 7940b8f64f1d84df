"""Account linking: identity signals (hashed device, payment, email) join accounts into one person.

The person is the unit the window is kept for, so a pattern spread over several accounts of the
same person adds up. Person ids are deterministic: "p:" + the first account seen for the person.
The registry sits behind a small get/put interface (a dict in replay, a global Faust table in
the worker). Rule: an account's person is fixed once assigned; a new account inherits the person
of the first of its signals already known; signals not yet known are registered to its person.
Conflicting later links (an account whose signals point at two persons) are reported, not merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

SIGNAL_KINDS = ("device_hash", "payment_hash", "email_hash")


class Registry(Protocol):
    def get(self, key: str) -> str | None: ...

    def put(self, key: str, value: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Link:
    person_id: str
    new_account: bool  # first time this account is seen
    linked_via: str | None  # signal key that joined it to an existing person
    conflicts: tuple[str, ...] = ()  # signals already registered to another person


def signal_keys(identity: dict) -> list[str]:
    return [f"{k}:{identity[k]}" for k in SIGNAL_KINDS if isinstance(identity.get(k), str) and identity[k]]


def link(user_id: str, identity: dict, registry: Registry) -> Link:
    """Resolve (and register) the person of `user_id` given its turn's identity signals."""
    account_key = f"account:{user_id}"
    signals = signal_keys(identity)
    person = registry.get(account_key)
    new_account = person is None
    linked_via = None
    if person is None:
        for s in signals:
            known = registry.get(s)
            if known is not None:
                person, linked_via = known, s
                break
        person = person or f"p:{user_id}"
        registry.put(account_key, person)
        registry.put(f"members:{person}", _add_member(registry.get(f"members:{person}"), user_id))
    conflicts = []
    for s in signals:
        known = registry.get(s)
        if known is None:
            registry.put(s, person)
        elif known != person:
            conflicts.append(s)
    return Link(person, new_account, linked_via, tuple(conflicts))


def members(person_id: str, registry: Registry) -> list[str]:
    """Every account linked to the person (for enforcement across accounts)."""
    raw = registry.get(f"members:{person_id}")
    return raw.split("\n") if raw else []


def _add_member(current: str | None, user_id: str) -> str:
    accounts = current.split("\n") if current else []
    if user_id not in accounts:
        accounts.append(user_id)
    return "\n".join(sorted(accounts))


class DictRegistry(dict):
    """In-memory registry (replay, tests)."""

    def put(self, key: str, value: str) -> None:
        self[key] = value
