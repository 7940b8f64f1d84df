"""Support route (pure): a self-harm case gives a support event with locale-chosen crisis resources and no text."""

from __future__ import annotations

import json

import orjson
import pytest

from stream.core.support import locale_region, support_event
from stream.resources import ConfigError, load_crisis_resources
from stream.schemas import first_error
from tests.fakes import core_case, turn

RESOURCES = load_crisis_resources()
PRIVATE = "Quillmarsh"  # a word only the turn's text contains


@pytest.fixture(scope="module")
def case():
    c = core_case(turn(1, f"[self-harm/intent=0.95] I want to end it tonight, {PRIVATE}, mail me at a@b.example",
                   tenant_id="acme"))
    assert c["route"] == "support" and PRIVATE in json.dumps(c), "the case itself carries the excerpt"
    return c


@pytest.mark.parametrize("locale, region, phone", [
    ("en-GB", "GB", "116 123"), ("en_us.UTF-8", "US", "988"), ("pt-BR", "BR", "188"), ("fr-FR", "FR", "3114"),
])
def test_resources_follow_the_region_of_the_locale(case, locale, region, phone):
    event = support_event(case, locale, RESOURCES)
    assert event["region"] == region and event["locale"] == locale
    assert phone in {r.get("phone") for r in event["resources"]}


@pytest.mark.parametrize("locale", [None, "", "es", "es-419", "xx-ZZ"])
def test_unknown_or_regionless_locales_get_the_international_default(case, locale):
    event = support_event(case, locale, RESOURCES)
    assert event["region"] == "default"
    assert any("findahelpline" in r.get("url", "") for r in event["resources"])


def test_the_event_follows_its_schema_and_carries_no_text(case):
    event = support_event(case, "en-GB", RESOURCES)
    assert first_error("support-event", event) is None
    body = orjson.dumps(event).decode()
    assert PRIVATE not in body and "a@b.example" not in body and "excerpt" not in body
    assert event["case_id"] == case["case_id"] and event["tenant_id"] == "acme"
    assert event["categories"] == ["self-harm/intent"] and event["ts"] == case["updated_at"]
    assert support_event(case, "en-GB", RESOURCES)["support_id"] == event["support_id"], "deterministic id"
    with_text = {**event, "excerpt": PRIVATE}
    assert first_error("support-event", with_text) is not None, "the schema refuses any extra field"


def test_every_region_of_the_table_yields_a_valid_event(case):
    for region in RESOURCES["regions"]:
        event = support_event(case, f"xx-{region}", RESOURCES)
        assert event["region"] == region and first_error("support-event", event) is None, region


def test_a_case_without_self_harm_is_not_a_support_case():
    violent = core_case(turn(1, "[violence=0.95] I will hurt them"))
    with pytest.raises(ValueError, match="no self-harm category"):
        support_event(violent, "en-US", RESOURCES)


def test_locale_region_parsing():
    assert locale_region("zh-Hant-TW") == "TW" and locale_region("de_at") == "AT"
    assert locale_region("en") is None and locale_region(None) is None


def test_a_broken_resource_table_is_a_clear_error(tmp_path):
    bad = tmp_path / "crisis.json"
    bad.write_text(json.dumps({"default": {"resources": []}}))
    with pytest.raises(ConfigError, match="default needs a non-empty 'resources' list"):
        load_crisis_resources(bad)
    bad.write_text(json.dumps({"default": {"resources": [{"name": "x", "url": "https://x"}]},
                               "regions": {"uk": {"resources": [{"name": "y", "phone": "1"}]}}}))
    with pytest.raises(ConfigError, match="'uk' is not an ISO 3166-1 alpha-2"):
        load_crisis_resources(bad)
