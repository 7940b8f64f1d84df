"""PII redaction for what reviewers see: emails, phones, cards, account numbers, IPs, addresses.

Reviewers get the minimum: evidence excerpts are redacted by default, and every redaction is
recorded as a span so an audited reveal can show exactly what was hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"']+", re.I)),
    ("ip", re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"
                      r"|\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b", re.I)),
    ("account", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")),  # IBAN
    ("card", re.compile(r"\b(?:\d[ -]?){12,18}\d\b")),
    ("phone", re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}[ .-]\d{3,4}[ .-]?\d{3,4}\b")),
    ("address", re.compile(
        r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|"
        r"Court|Ct|Way|Place|Pl|Terrace|Square|Sq)\b\.?")),
)
_PLACEHOLDER = {"email": "[EMAIL]", "url": "[URL]", "ip": "[IP]", "account": "[ACCOUNT]", "card": "[CARD]",
                "phone": "[PHONE]", "address": "[ADDRESS]"}


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


def _find(text: str) -> list[tuple[int, int, str]]:
    hits: list[tuple[int, int, str]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if kind == "card":
                digits = re.sub(r"\D", "", m.group())
                if not _luhn_ok(digits):
                    kind_here = "account" if len(digits) >= 10 else None
                    if kind_here is None:
                        continue
                    hits.append((m.start(), m.end(), kind_here))
                    continue
            hits.append((m.start(), m.end(), kind))
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
    red, spans = redact(text)
    if len(red) <= limit:
        return red, spans
    cut = red[: max(0, limit - 1)] + "…"
    return cut, [s for s in spans if s.end <= limit - 1]
