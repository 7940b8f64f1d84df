"""Obfuscation-resistant normalisation (stream.scoring.normalize)."""

from __future__ import annotations

import pytest

from stream.scoring.normalize import match_tokens, normalize_for_match, normalize_text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("I will KILL you", "i will kill you"),
        ("Ｉ ｗｉｌｌ ｋｉｌｌ ｙｏｕ", "i will kill you"),  # fullwidth (NFKC)
        ("𝐤𝐢𝐥𝐥 you", "kill you"),  # mathematical bold (NFKC)
        ("k\u200bi\u200cl\u200dl\ufeff you", "kill you"),  # zero-width characters
        ("kіll yоu", "kill you"),  # Cyrillic і and о (homoglyphs)
        ("κill you", "kill you"),  # Greek kappa
        ("k1ll y0u", "kill you"),  # leetspeak
        ("k!ll u", "kill u"),
        ("k i l l you", "kill you"),  # spaced out
        ("k.i.l.l you", "kill you"),
        ("k-i-l-l you", "kill you"),
        ("kiiiiill youuuu", "kiill youu"),  # letter floods squeezed to 2
        ("kíll yóu", "kill you"),  # diacritics
        ("I'm going to kill you!!!", "i m going to kill you"),
    ],
)
def test_match_normalisation_defeats_obfuscation(raw, expected):
    assert normalize_for_match(raw) == expected


def test_word_boundaries_are_kept():
    # "skill" must never become "kill"; single letters that are real words stay separate
    assert normalize_for_match("great skill") == "great skill"
    assert match_tokens("I am a dev") == ["i", "am", "a", "dev"]


def test_a_contractions_pieces_are_no_spaced_out_word():
    """"I'm a burden" normalised to "ima burden" (a run of three one-letter tokens re-joined), so the
    stage rule "i'm (just) a burden" and "I'm a paedophile" never read their most common spelling."""
    assert normalize_for_match("I'm a burden") == "i m a burden"
    assert normalize_for_match("u r a loser") == "u r a loser"
    assert normalize_for_match("I'd a gun") == "i d a gun"
    assert normalize_for_match("I'm a k i l l e r") == "i m akiller"  # the spaced-out word is still joined
    from stream.core.framing import OFFENDER
    from stream.core.stages import detect_stages

    assert OFFENDER.search(normalize_for_match("I'm a paedophile"))
    assert [s.name for s in detect_stages("I'm a burden to everyone", {"self-harm": 0.6})] == ["distress"]


def test_numbers_stay_numbers():
    assert normalize_for_match("I have 3 cats and 10 dogs") == "i have 3 cats and 10 dogs"


def test_model_normalisation_is_light_and_idempotent():
    s = "Ｈｅｌｌｏ\u200b  Wörld\tAGAIN — 杀了你"
    n = normalize_text(s)
    assert n == "hello wörld again — 杀了你"
    assert normalize_text(n) == n


def test_empty_and_whitespace():
    assert normalize_text("") == ""
    assert normalize_for_match("   \u200b ") == ""
    assert match_tokens("") == []


def test_cjk_kept():
    assert normalize_for_match("我要杀了你") == "我要杀了你"


def test_the_scorers_match_form_is_what_normalize_for_match_gives():
    """The scorer hands the core the matching-level form of each text it tokenised for its lists
    (`seed_match_form`): the same string the core would compute."""
    from stream.scoring.cascade import load_cascade

    texts = ["Seeded: I W1LL k.i.l.l you!!", "ok ok", "我要杀了他 tonight"]
    load_cascade(use_encoder=False).score_batch(texts)
    seeded = [normalize_for_match(t) for t in texts]
    normalize_for_match.cache_clear()
    assert seeded == [" ".join(match_tokens(t)) for t in texts] == [normalize_for_match(t) for t in texts]
