"""PII redaction for what reviewers see: emails, phones, cards, account numbers, IPs, addresses,
postcodes and national ids.

Reviewers get the minimum: evidence excerpts are redacted by default, and every redaction is
recorded as a span so an audited reveal can show exactly what was hidden. Phone numbers are
found by `phonenumbers` (the maintained port of Google's libphonenumber) in any international
format and in the national formats of `PHONE_REGIONS`; addresses and postcodes cover US, UK,
German, French, Spanish and Italian forms; national ids cover US SSNs, UK National Insurance
numbers and long numbers introduced as an id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from stream.core.prefilter import alternatives, may_match, required_factors, requires_digit

# National formats tried for phone numbers ("+" numbers are found in any of them).
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "BR", "AU", "MX", "JP")
# Where a phone number could be: 7+ digits with the separators phone numbers are written with.
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])\+?\(?\d(?:[\d().-]| (?=[\d(]))*\d")
_DATE = re.compile(r"\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")

_STREET_EN = (r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|"
              r"Square|Sq|Close|Crescent|Gardens|Grove|Mews|Row|Walk|Hill|Parade|Highway|Hwy")
_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"']+", re.I)),
    ("ip", re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"
                      r"|\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b", re.I)),
    ("account", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")),  # IBAN
    ("national_id", re.compile(  # US SSN; UK National Insurance number
        r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"
        r"|\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")),
    ("national_id", re.compile(  # a long number introduced as an id (passport, tax id, Aadhaar, ...)
        r"(?i:\b(?:ssn|social security(?: number)?|passport(?: no\.?| number)?|national id|id number|"
        r"personalausweis(?:nummer)?|steuer-?id|tax id|aadhaar|sin|nino|dni|nie|codice fiscale)\b[:#\s]*)"
        r"([A-Z0-9][A-Z0-9 -]{6,18}[A-Z0-9])")),
    ("card", re.compile(r"\b(?:\d[ -]?){12,18}\d\b")),
    ("address", re.compile(  # 12 Main Street, 221B Baker Street
        rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][a-z]+\s){{1,3}}(?:{_STREET_EN})\b\.?")),
    ("address", re.compile(  # Hauptstraße 5, Lindenstr. 12a, Am Fischmarkt 3 (German)
        r"\b[A-ZÄÖÜ][a-zäöüß-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|markt)"
        r"\s?\d{1,4}\s?[a-z]?\b")),
    ("address", re.compile(  # 12 rue de la Paix, 5 avenue Foch (French)
        r"\b\d{1,4}(?: ?(?:bis|ter))?,? (?i:rue|avenue|av\.|boulevard|bd|place|chemin|impasse|allée|quai|route)"
        r"(?: (?:de la|de l'|des|du|de|d')?\s?[A-ZÉÈ][\w'’-]+){1,4}")),
    ("address", re.compile(  # Calle Mayor 5, Via Roma 10 (Spanish, Italian, Portuguese)
        r"\b(?:Calle|Avenida|Av\.|Plaza|Paseo|Via|Viale|Piazza|Corso|Rua)(?: (?:de la |del |de |di |della )?"
        r"[A-Z][\w'’-]+){1,3},? (?:n\.? ?|nº ?)?\d{1,4}\b")),
    ("postcode", re.compile(  # UK (NW1 6XE), Canada (K1A 0B1)
        r"\b(?:[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}|[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d)\b")),
    ("postcode", re.compile(  # US ZIP after a state (CA 94103); 5-digit code before a town (10115 Berlin)
        r"\b[A-Z]{2} \d{5}(?:-\d{4})?\b|\b\d{5}(?= [A-ZÄÖÜ][a-zäöüß]+)")),
)
_PLACEHOLDER = {"email": "[EMAIL]", "url": "[URL]", "ip": "[IP]", "account": "[ACCOUNT]", "card": "[CARD]",
                "phone": "[PHONE]", "address": "[ADDRESS]", "postcode": "[POSTCODE]", "national_id": "[ID]"}


@dataclass(frozen=True, slots=True)
class Span:
    start: int  # offsets in the redacted text
    end: int
    kind: str

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "kind": self.kind}


def _luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _phones(text: str) -> list[tuple[int, int, str]]:
    """Phone numbers valid in any of PHONE_REGIONS (or in international form). Candidates are cut
    out first (a full matcher pass per region costs ~2 ms a text); a candidate that is not one
    number as a whole (two numbers in a row) is searched by the matcher on its own."""
    found = []
    for m in _PHONE_CANDIDATE.finditer(text):
        if sum(ch.isdigit() for ch in m.group()) < 7 or _DATE.fullmatch(m.group()):
            continue
        if any(_valid(m.group(), region) for region in PHONE_REGIONS):
            found.append((m.start(), m.end(), "phone"))
            continue
        inner = {(m.start() + h.start, m.start() + h.end, "phone") for region in PHONE_REGIONS
                 for h in phonenumbers.PhoneNumberMatcher(m.group(), region, leniency=phonenumbers.Leniency.VALID)}
        found += sorted(inner)
    return found


def _valid(candidate: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(candidate, region))
    except phonenumbers.NumberParseException:
        return False


def _guards(pattern: re.Pattern) -> tuple[tuple[frozenset[str] | None, frozenset[str] | None, bool], ...]:
    """What a text must hold for `pattern` to match (stream/core/prefilter.py), per top-level
    alternative (the pattern matches only where one of them can): one of some literal strings; one
    of them lower-cased, in an ASCII text, whatever the case flags (the URL, IP and id-keyword
    patterns are case-blind, and were searched in every text); a digit."""
    return tuple((required_factors(p), required_factors(p, fold=True), requires_digit(p)) for p in alternatives(pattern))


def _can_match(guards, text: str, lower: str | None, digits: bool) -> bool:
    """False only when no alternative can match (`lower`: the text lower-cased if it is ASCII)."""
    for factors, folded, needs_digit in guards:
        if (digits or not needs_digit) and may_match(factors, text) and (lower is None or may_match(folded, lower)):
            return True
    return False


# Most texts hold no digit, and most patterns need one; the case-blind ones need a word most do not hold.
_GUARDS = tuple(_guards(pattern) for _kind, pattern in _PATTERNS)
_DIGIT = re.compile(r"\d")


def _find(text: str) -> list[tuple[int, int, str]]:
    hits: list[tuple[int, int, str]] = []
    digits = _DIGIT.search(text) is not None
    lower = text.lower() if text.isascii() else None
    for (kind, pattern), guards in zip(_PATTERNS, _GUARDS):
        if not _can_match(guards, text, lower, digits):
            continue  # cannot match
        for m in pattern.finditer(text):
            start, end = m.span(m.lastindex or 0)
            if kind == "card":
                number = re.sub(r"\D", "", m.group())
                if not _luhn_ok(number):
                    kind_here = "account" if len(number) >= 10 else None
                    if kind_here is None:
                        continue
                    hits.append((start, end, kind_here))
                    continue
            hits.append((start, end, kind))
    phones = _phones(text) if digits else []  # (a phone number has digits)
    if phones:  # a run of digits that is not a card but holds phone numbers is those numbers
        hits = [h for h in hits if h[2] != "account" or not any(p[0] < h[1] and h[0] < p[1] for p in phones)]
    hits += phones
    # keep the earliest, longest non-overlapping matches
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    chosen: list[tuple[int, int, str]] = []
    for h in hits:
        if not chosen or h[0] >= chosen[-1][1]:
            chosen.append(h)
    return chosen
def redact(text: str) -> tuple[str, list[Span]]:
    """Text with PII replaced by typed placeholders, and the placeholder spans in the result."""
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0
    for start, end, kind in _find(text):
        out.append(text[pos:start])
        length += start - pos
        ph = _PLACEHOLDER[kind]
        spans.append(Span(length, length + len(ph), kind))
        out.append(ph)
        length += len(ph)
        pos = end
    out.append(text[pos:])
    return "".join(out), spans


def excerpt(text: str, limit: int) -> tuple[str, list[Span]]:
    """Redacted excerpt no longer than `limit` characters (spans cut at the limit are dropped)."""
    cut, spans = _excerpt(text, limit)
    return cut, list(spans)


@lru_cache(maxsize=1024)
def _excerpt(text: str, limit: int) -> tuple[str, tuple[Span, ...]]:
    """`excerpt`, memoised: an assistant repeats its stock replies, and each reply is kept with the
    turn it answers as an excerpt."""
    red, spans = redact(text)
    if len(red) <= limit:
        return red, tuple(spans)
    cut = red[: max(0, limit - 1)] + "…"
    return cut, tuple(s for s in spans if s.end <= limit - 1)
