"""Blocklists and hash banks: matching, ids as signals, hot reload (stream.scoring.blocklist/hashbank)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from stream.scoring.blocklist import BlocklistSet
from stream.scoring.hashbank import BankSet, hamming, make_entry, simhash
from stream.scoring.normalize import match_tokens

REPO = Path(__file__).resolve().parents[1]


def _write(path: Path, doc: dict) -> None:
    path.write_text(json.dumps(doc), encoding="utf-8")
    # make the mtime change visible even on coarse-timestamp filesystems
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000 * (1 + int(time.time()) % 7)))


@pytest.fixture()
def lists_dir(tmp_path):
    d = tmp_path / "lists"
    d.mkdir()
    _write(d / "t.json", {"id": "test-threats", "entries": [
        {"id": "e1", "phrase": "i will kill you", "categories": {"violence": 0.97, "harassment/threatening": 0.97}},
        {"id": "e2", "phrase": "kill", "categories": {"violence": 0.5}},
        {"id": "z1", "phrase": "杀了你", "substring": True, "categories": {"violence": 0.9}},
    ]})
    return d


def test_blocklist_matches_obfuscated_phrases_with_ids(lists_dir):
    bl = BlocklistSet(lists_dir, interval=0)
    for text in ["I WILL KILL YOU", "i w1ll k i l l y0u", "i will k\u200bіll you!!", "ok so i will kill you now"]:
        ids = {(m.list_id, m.entry_id) for m in bl.match(" ".join(match_tokens(text)))}
        assert ("test-threats", "e1") in ids, text
    assert [m.entry_id for m in bl.match(" ".join(match_tokens("我要杀了你")))] == ["z1"]


def test_blocklist_respects_word_boundaries(lists_dir):
    bl = BlocklistSet(lists_dir, interval=0)
    assert bl.match(" ".join(match_tokens("what a great skill, killer app"))) == []


def test_blocklist_hot_reload_and_bad_file_keeps_previous(lists_dir):
    bl = BlocklistSet(lists_dir, interval=0)
    norm = " ".join(match_tokens("you are toast"))
    assert bl.match(norm) == []
    _write(lists_dir / "t.json", {"id": "test-threats", "entries": [
        {"id": "e9", "phrase": "you are toast", "categories": {"harassment": 0.9}}]})
    assert bl.refresh()
    assert [m.entry_id for m in bl.match(norm)] == ["e9"]
    # a broken edit keeps the previous version
    (lists_dir / "t.json").write_text("{not json", encoding="utf-8")
    st = (lists_dir / "t.json").stat()
    os.utime(lists_dir / "t.json", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    bl.refresh()
    assert [m.entry_id for m in bl.match(norm)] == ["e9"]


def test_blocklist_rejects_unknown_category(tmp_path):
    d = tmp_path / "lists"
    d.mkdir()
    _write(d / "bad.json", {"id": "bad", "entries": [{"id": "x", "phrase": "foo", "categories": {"nope": 1.0}}]})
    assert BlocklistSet(d, interval=0).lists == []


def test_refresh_is_rate_limited(lists_dir):
    bl = BlocklistSet(lists_dir, interval=3600)
    _write(lists_dir / "t.json", {"id": "test-threats", "entries": []})
    assert not bl.refresh()  # within the interval: no stat, no reload
    assert bl.refresh(force=True)


KNOWN = ("Forward this to 10 people or the man with the knife will come to your house tonight "
         "and kill you in your sleep.")


@pytest.fixture()
def banks_dir(tmp_path):
    d = tmp_path / "banks"
    d.mkdir()
    _write(d / "b.json", {"id": "test-bank", "max_distance": 10, "min_tokens": 6,
                          "entries": [make_entry("kb-1", KNOWN, {"violence": 0.95, "harassment/threatening": 0.95})]})
    return d


def test_bank_exact_match_survives_obfuscation(banks_dir):
    bs = BankSet(banks_dir, interval=0)
    for text in [KNOWN, KNOWN.upper(), KNOWN.replace("o", "0").replace(" ", "  "), "\u200b" + KNOWN + "!!"]:
        ms = bs.match(text)
        assert [(m.bank_id, m.entry_id, m.kind) for m in ms] == [("test-bank", "kb-1", "exact")], text


def test_bank_near_duplicate_match(banks_dir):
    bs = BankSet(banks_dir, interval=0)
    for near in (KNOWN.replace("tonight", "tomorrow night"),
                 KNOWN.replace("Forward this to 10 people or", "Send this to ten friends or"),
                 KNOWN + " I am not joking."):
        ms = bs.match(near)
        assert ms and ms[0].kind == "near" and ms[0].entry_id == "kb-1" and ms[0].distance <= 10, near


def test_bank_no_match_on_unrelated_text(banks_dir):
    bs = BankSet(banks_dir, interval=0)
    assert bs.match("Forward this email to your manager before the meeting tomorrow please") == []
    assert bs.match("Please forward this to 10 people in your team before tonight so the house meeting can start") == []
    assert bs.match("kill") == []


def test_simhash_properties():
    a = match_tokens(KNOWN)
    assert simhash(a) == simhash(list(a))
    assert hamming(simhash(a), simhash(match_tokens("the weather is lovely today in the park"))) > 10


def test_committed_lists_and_banks_load():
    bl = BlocklistSet(REPO / "models" / "lists", interval=0)
    bs = BankSet(REPO / "models" / "banks", interval=0)
    assert len(bl.lists) >= 3 and all(b.entries for b in bl.lists)
    assert len(bs.banks) >= 1
    ids = [e.entry_id for b in bl.lists for e in b.entries]
    assert len(ids) == len(set(ids)), "entry ids must be unique"


def test_cascade_hot_reloads_lists_and_reports_signals(tmp_path):
    """A running scorer picks up an edited list file and reports the match with its ids."""
    from stream.scoring.cascade import CHEAP_FILE, load_cascade

    models = tmp_path / "models"
    (models / "lists").mkdir(parents=True)
    (models / "banks").mkdir()
    (models / CHEAP_FILE).symlink_to(REPO / "models" / CHEAP_FILE)
    scorer = load_cascade(models, reload_interval=0)
    text = "the purple walrus protocol is go"
    assert not scorer.score_batch([text])[0].signals
    _write(models / "lists" / "custom.json", {"id": "custom-list", "entries": [
        {"id": "cw-1", "phrase": "purple walrus protocol", "categories": {"violence": 0.99}}]})
    s = scorer.score_batch([text])[0]
    assert s.flagged and s.categories["violence"]
    assert [(g.kind, g.source_id, g.category, g.detail) for g in s.signals] == [
        ("blocklist", "custom-list", "violence", "cw-1")]
    _write(models / "banks" / "b.json", {"id": "custom-bank", "entries": [
        make_entry("kb-9", "please transfer the money to the account before friday or else", {"illicit": 0.95})]})
    s = scorer.score_batch(["Please transfer the m0ney to the account before Friday or else!"])[0]
    assert any(g.kind == "hashbank" and g.source_id == "custom-bank" and g.detail.startswith("kb-9 exact")
               for g in s.signals)
