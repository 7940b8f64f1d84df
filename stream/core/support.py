"""Support route: a self-harm case becomes a support event with crisis resources, never an enforcement action.

Pure: the resource table is passed in (see `stream/resources.py`). The event carries ids, the
locale, the chosen resources and the case's self-harm categories only: no text, no excerpt, so it
is safe to hand to whatever delivers help (and holds nothing a ZDR tenant must not persist).
"""

from __future__ import annotations

import hashlib
import re

from stream.taxonomy import SUPPORT_CATEGORIES

_SUBTAG = re.compile(r"^[A-Za-z]{2}$|^\d{3}$")  # a region subtag: ISO 3166-1 alpha-2 or UN M.49


def locale_region(locale: str | None) -> str | None:
    """The region of a locale tag ("en-GB", "en_gb.UTF-8", "zh-Hant-TW" -> "GB"/"GB"/"TW"); None without one."""
    if not locale:
        return None
    tag = locale.split(".")[0].split("@")[0].replace("_", "-")
    for sub in tag.split("-")[1:]:
        if _SUBTAG.match(sub):
            return sub.upper()
    return None


def choose_resources(locale: str | None, resources: dict) -> tuple[str, dict]:
    """(region key or "default", its entry) from a crisis-resource table."""
    region = locale_region(locale)
    regions = resources.get("regions", {})
    if region in regions:
        return region, regions[region]
    return "default", resources["default"]


def support_id_for(case_id: str, trigger_event_id: str) -> str:
    """Deterministic: the same case event gives the same support id (redeliveries deduplicate)."""
    return "support-" + hashlib.sha256(f"{case_id}\x1f{trigger_event_id}".encode()).hexdigest()[:20]


def support_event(case_payload: dict, locale: str | None, resources: dict) -> dict:
    """The support-events payload (schemas/support-event.schema.json) for a review-case payload.

    Raises ValueError when the case has no self-harm category: only those go to support.
    """
    categories = [c for c in case_payload.get("categories", []) if c in SUPPORT_CATEGORIES]
    if not categories:
        raise ValueError(f"case {case_payload.get('case_id')!r} has no self-harm category; it is not a support case")
    region, entry = choose_resources(locale, resources)
    event = {
        "support_id": support_id_for(case_payload["case_id"], case_payload["trigger_event_id"]),
        "case_id": case_payload["case_id"],
        "user_id": case_payload["user_id"],
        "trigger_event_id": case_payload["trigger_event_id"],
        "ts": case_payload["updated_at"],
        "categories": categories,
        "priority": case_payload["priority"],
        "locale": locale,
        "region": region,
        "emergency": entry.get("emergency"),
        "resources": [dict(r) for r in entry["resources"]],
    }
    for optional in ("tenant_id", "person_id"):
        if case_payload.get(optional):
            event[optional] = case_payload[optional]
    return event
