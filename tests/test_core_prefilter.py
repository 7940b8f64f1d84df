"""The phrase rules' prefilter never changes a stage: a skipped search is one that could not match."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from stream.core import framing, stages
from stream.core.prefilter import Prefiltered, may_match, required_factors, requires_digit, top_level_alternatives
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


_RULE_PATTERNS = [st.pattern for st in stages.STAGES] + [st.ungated for st in stages.STAGES if st.ungated] + [
    framing.THIRD_PARTY, framing.FIRST_PERSON, framing.MEANS, framing.IDIOM, framing.TARGETED, framing.HARM_INTENT,
    framing.REPORTED_THREAT, framing._REAL, framing._PLAY_CJK, framing.OWN_WISH,
    framing.OFFENDER]


@pytest.mark.parametrize("pattern, parts", [
    (r"a|(?:b|c)|[|]|\||d", ["a", "(?:b|c)", "[|]", "\\|", "d"]),
    (r"[]|]|x|[^]|)]y", ["[]|]", "x", "[^]|)]y"]),  # a "]" first in a class is a member
    (r"(?i)ab|c[\]|]", ["(?i)ab", "c[\\]|]"]),
    (r"abc", ["abc"]),
    (r"a|(b)", None), (r"(?x)a|b", None), (r"(?#x|y)a|b", None),  # a group, verbose, a comment: not split
])
def test_top_level_alternatives(pattern, parts):
    assert top_level_alternatives(re.compile(pattern)) == parts


def _texts() -> list[str]:
    """Texts near the rules: the project's stage sentences, the behaviour set, and random soups of the
    rules' own literals and words (where a wrong factor set would show)."""
    texts = [json.loads(x)["text"] for x in (REPO / "models" / "data" / "stage_sentences.jsonl").read_text().splitlines()]
    texts += [json.loads(x)["text"] for x in (REPO / "tests" / "data" / "classifier_behaviour.jsonl").read_text().splitlines()]
    words = sorted({w for p in _RULE_PATTERNS for w in re.findall(r"[a-z]+|[\u4e00-\u9fff\uac00-\ud7a3]+", p.pattern)})
    words += ["i", "you", "he", "she", "they", "my", "the", "a", "to", "will", "going", "tonight", "'", "?", ".", "5"]
    rng = random.Random(16)
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 14))) for _ in range(8000)]
    return texts


def test_a_skipped_search_could_not_have_matched():
    skipped = 0
    for text in _texts():
        norm = normalize_for_match(text)
        for st, rule in zip(stages.STAGES, stages._RULES):
            if not may_match(rule.factors, norm):
                skipped += 1
                assert st.pattern.search(norm) is None, (st.name, text)
    assert skipped > 50_000, "the prefilter skips most searches"


def test_a_rule_searched_phrase_by_phrase_finds_what_the_whole_pattern_finds():
    rules = [Prefiltered.of(p) for p in _RULE_PATTERNS]
    assert all(len(r.branches) > 1 for r in rules), "every rule is split into its phrases"
    found = 0
    for text in _texts():
        norm = normalize_for_match(text)
        for rule in rules:
            assert rule.found(norm) is (rule.pattern.search(norm) is not None), (rule.pattern.pattern[:60], text)
            found += rule.found(norm)
    assert found > 1_000, "the texts match the rules often"


def test_stages_are_what_the_rules_alone_find():
    rng = random.Random(3)
    for text in _texts():
        scores = {c: rng.choice((0.0, 0.03, 0.2, 0.9)) for c in ("violence", "illicit", "illicit/violent", "harassment",
                                                                   "harassment/threatening")}
        norm = normalize_for_match(text)
        expected = [st for st in stages.STAGES if norm and (st.pattern.search(norm)
                    and (not st.gate or any(scores.get(c, 0.0) >= m for c, m in st.gate))
                    or st.ungated is not None and st.ungated.search(norm))]
        assert stages.detect_stages(text, scores) == expected, text


def test_every_rule_has_a_prefilter():
    assert all(r.factors is not None for r in stages._RULES)


def test_the_factor_index_finds_every_factor_a_text_holds():
    """Nested and overlapping factors are all found ("there" holds "her", "he" and "ere"), in one pass
    that gives what a substring test per factor gives."""
    from stream.core.prefilter import FactorIndex

    index = FactorIndex()
    index.add(frozenset({"her", "there", "he", "ere", "kill", "a"}))
    assert index.present("there") == {"her", "there", "he", "ere"}
    assert index.present("nothing") == frozenset()
    index.add(frozenset({"thin"}))  # a later rule: the pass is rebuilt with its factors
    assert index.present("nothing") == {"thin"}
    from stream.core.prefilter import FACTORS

    for text in _texts()[:3000]:
        norm = normalize_for_match(text)
        assert FACTORS.present(norm) == {f for f in FACTORS.factors if f in norm}, text


def test_folded_factors_hold_whatever_the_case_flags():
    """`fold`: lower-cased factors of case-blind patterns too, for a search of the lower-cased ASCII
    text; none where a factor is not ASCII (under re.I the Kelvin sign matches "k")."""
    import re

    from stream.core.prefilter import required_factors

    assert required_factors(re.compile(r"\bhttps?://", re.I)) is None
    assert required_factors(re.compile(r"\bhttps?://", re.I), fold=True) == {"http"}
    assert required_factors(re.compile(r"(?i:\bPassport|tax id\b)\s*\d"), fold=True) == {"passport", "tax id"}
    assert required_factors(re.compile(r"Main Street"), fold=True) == {"main street"}
    assert required_factors(re.compile(r"straße|weg", re.I), fold=True) is None
    pattern = re.compile(r"\bhttps?://|(?i:\bPassport|tax id\b)\s*\d", re.I)
    for text in ("see HTTP://x", "Tax ID 1", "PASSPORT 2"):
        assert pattern.search(text) and any(f in text.lower() for f in required_factors(pattern, fold=True))
