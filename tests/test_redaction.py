"""Redaction of what reviewers see, beyond the US formats (issue 15): international phone numbers
(phonenumbers), UK / German / French / Spanish addresses and postcodes, national ids; and everyday
text with numbers stays as it is."""

from __future__ import annotations

import pytest

from stream.core.redaction import excerpt, redact


@pytest.mark.parametrize("text,secret,kind", [
    ("call me on (415) 555-0132 tonight", "(415) 555-0132", "phone"),
    ("my number is 4155550132", "4155550132", "phone"),
    ("ring 07700 900123 after six", "07700 900123", "phone"),
    ("or +44 20 7946 0958 in London", "+44 20 7946 0958", "phone"),
    ("Festnetz 030 901820", "030 901820", "phone"),
    ("two in a row: 4155550132 07700 900123", "900123", "phone"),
    ("appelle le 06 12 34 56 78", "06 12 34 56 78", "phone"),
    ("I live at 221B Baker Street, London", "221B Baker Street", "address"),
    ("London NW1 6XE", "NW1 6XE", "postcode"),
    ("Ich wohne in der Hauptstraße 5 in Berlin", "Hauptstraße 5", "address"),
    ("Meine Adresse: Lindenstr. 12a, 80331 München", "Lindenstr. 12a", "address"),
    ("Meine Adresse: Lindenstr. 12a, 80331 München", "80331", "postcode"),
    ("chez moi, 12 rue de la Paix", "12 rue de la Paix", "address"),
    ("vivo en Calle Mayor 5, Madrid", "Calle Mayor 5", "address"),
    ("1600 Pennsylvania Avenue NW, Washington, DC 20500", "DC 20500", "postcode"),
    ("my SSN is 123-45-6789", "123-45-6789", "national_id"),
    ("NI number AB 12 34 56 C", "AB 12 34 56 C", "national_id"),
    ("passport number X1234567Z", "X1234567Z", "national_id"),
    ("Steuer-ID 12345678901", "12345678901", "national_id"),
])
def test_personal_data_is_replaced_by_a_typed_placeholder(text, secret, kind):
    red, spans = redact(text)
    assert secret not in red, red
    assert kind in {s.kind for s in spans}, (red, spans)
    for s in spans:
        assert red[s.start:s.end].startswith("[") and red[s.start:s.end].endswith("]")


@pytest.mark.parametrize("text", [
    "In 2006 I had 3 cats and 12 dogs", "kill a Python process with pid 12345", "Saddam was hanged in 2006",
    "meet at 10:30 on 2026-10-01", "I paid 1500 dollars for 20 tickets", "Read chapter 12 of Harry Potter",
    "The 1990s were 30 years ago", "version 3.11.4 of Python",
])
def test_everyday_numbers_stay(text):
    assert redact(text) == (text, [])


def test_excerpt_of_the_issue_strings_holds_none_of_them():
    text = ("call (415) 555-0132 or 4155550132 or 07700 900123; I am at 221B Baker Street, London NW1 6XE, "
            "or Hauptstraße 5, 10115 Berlin; SSN 123-45-6789")
    red, _ = excerpt(text, 400)
    for secret in ("555-0132", "4155550132", "07700 900123", "221B Baker", "NW1 6XE", "Hauptstraße 5", "10115",
                   "123-45-6789"):
        assert secret not in red, (secret, red)


def test_the_prefilter_skips_only_patterns_that_could_not_match(monkeypatch):
    """A pattern skipped for want of a digit or of a literal (redaction._GUARDS) finds nothing: the
    same spans as every pattern searched on every text."""
    import random
    import re

    from stream.core import redaction

    words = ["call", "me", "on", "at", "Street", "Baker", "rue", "de", "la", "Paix", "Calle", "Mayor", "Hauptstraße",
             "Lindenstr.", "NW1", "6XE", "AB", "C", "DC", "SSN", "passport", "number", "X1234567Z", "a@b.co", "x@",
             "https://e.org/p", "10.0.0.1", "fe80:0:0:0:0:0:0:1", "abcd:ef01:2345:6789:abcd:ef01:2345:6789",
             "DE89 3704 0044 0532 0130 00", "4111 1111 1111 1111", "(415)", "555-0132", "+44", "20", "7946", "0958",
             "123-45-6789", "٣٤٥", "１２３４５", "12", "5", "221B", "80331", "München", "Berlin", "-", ",", ".",
             "HTTPS://E.ORG/P", "Passport", "TAX", "ID", "Social", "Security", "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789"]
    rng = random.Random(15)
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    texts += ["no digit here at all", "Ich wohne in der Hauptstraße 5", "passport number ABCDEFGH"]
    guarded = [redaction._find(t) for t in texts]
    monkeypatch.setattr(redaction, "_GUARDS", tuple(((None, None, False),) for _ in redaction._PATTERNS))
    monkeypatch.setattr(redaction, "_DIGIT", re.compile(""))  # every text "has a digit": nothing skipped
    assert [redaction._find(t) for t in texts] == guarded
    assert sum(map(bool, guarded)) > 1000, "the texts hold personal data often"
