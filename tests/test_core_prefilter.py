"""The phrase rules' prefilter never changes a stage: a skipped search is one that could not match."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from stream.core import stages
from stream.core.prefilter import may_match, required_factors, requires_digit
from stream.scoring.normalize import normalize_for_match

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("pattern, factors", [
    (r"foo|bar", {"foo", "bar"}),
    (r"\bfoo\b bar", {"foo bar"}),  # zero-width assertions do not break a literal run
    (r"a(?:b|c)d+efg", {"efg"}),  # the longest necessary run
    (r"(?:x|y)+zz", {"zz"}),
    (r"ab(?! c)cd", {"abcd"}),
    (r"(?:hang|shoot) (?:him|her)", {"hang", "shoot"}),
    (r"x*", None), (r"[ab]c?", None), (r"foo|\w+", None), (r"a(?i:bc)", {"a"}), (r"(?i)abc", None),
])
def test_required_factors(pattern, factors):
    assert required_factors(re.compile(pattern)) == (None if factors is None else frozenset(factors))


@pytest.mark.parametrize("pattern, needs", [
    (r"\d", True), (r"a\d|b[0-9]", True), (r"x{0,3}\d", True), (r"(\d)\1", True), (r"[0-5\d]", True), (r"7", True),
    (r"(?:a|\d)", False), (r"[0-9a-f]", False), (r"(?:\d)*", False), (r"[^0-9]", False), (r"\D", False),
    (r"(?=\d)\w", False),  # a lookahead is not read
])
def test_requires_digit(pattern, needs):
    assert requires_digit(re.compile(pattern)) is needs


def _texts() -> list[str]:
    """Texts near the rules: the project's stage sentences, the behaviour set, and random soups of the
    rules' own literals and words (where a wrong factor set would show)."""
    texts = [json.loads(x)["text"] for x in (REPO / "models" / "data" / "stage_sentences.jsonl").read_text().splitlines()]
    texts += [json.loads(x)["text"] for x in (REPO / "tests" / "data" / "classifier_behaviour.jsonl").read_text().splitlines()]
    words = sorted({w for st in stages.STAGES for w in re.findall(r"[a-z]+|[\u4e00-\u9fff]+", st.pattern.pattern)})
    words += ["i", "you", "he", "she", "they", "my", "the", "a", "to", "will", "going", "tonight", "'", "?", ".", "5"]
    rng = random.Random(16)
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 14))) for _ in range(8000)]
    return texts


def test_a_skipped_search_could_not_have_matched():
    skipped = 0
    for text in _texts():
        norm = normalize_for_match(text)
        for st, factors in zip(stages.STAGES, stages._FACTORS):
            if not may_match(factors, norm):
                skipped += 1
                assert st.pattern.search(norm) is None, (st.name, text)
    assert skipped > 50_000, "the prefilter skips most searches"


def test_stages_are_what_the_rules_alone_find():
    rng = random.Random(3)
    for text in _texts():
        scores = {c: rng.choice((0.0, 0.03, 0.2, 0.9)) for c in ("violence", "illicit", "illicit/violent", "harassment",
                                                                   "harassment/threatening")}
        norm = normalize_for_match(text)
        expected = [st for st in stages.STAGES if norm and st.pattern.search(norm)
                    and (not st.gate or any(scores.get(c, 0.0) >= m for c, m in st.gate))]
        assert stages.detect_stages(text, scores) == expected, text


def test_every_rule_has_a_prefilter():
    assert all(f is not None for f in stages._FACTORS)
