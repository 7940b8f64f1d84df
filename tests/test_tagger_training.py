"""The stage tagger trainer's out-of-family report (models/train/tagger.py::blind_turns_report):
English turns written blind, read with their clauses as at run time, figures per label, per pathway
and on the look-alike (safe) turns."""

import json

import numpy as np

from models.train import tagger as trainer
from stream.core.tagger import LABELS, StageTagger

WORDS = ("gun", "tonight")


class WordEmbedder:
    def embed(self, texts):
        return np.array([[float(w in t.lower()) for w in WORDS] + [1.0] for t in texts], np.float32)


def test_blind_turns_are_read_with_their_clauses_and_scored_per_label_pathway_and_look_alike(tmp_path, monkeypatch):
    rows = [
        {"text": "I bought a gun", "stages": ["violence:research"]},
        {"text": "long day. I bought a gun yesterday, and I'm going there tonight", "stages": ["violence:research"]},
        {"text": "going to her place tonight", "stages": ["violence:imminence"]},
        {"text": "the gun range was fun", "stages": []},  # a look-alike read as research
        {"text": "what a nice day", "stages": []},
        {"text": "我明天晚上就去", "stages": ["violence:imminence"]},  # zh / ko turns are the other reader's
    ]
    (tmp_path / "stage_turns.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    monkeypatch.setattr(trainer, "DATA", tmp_path)
    w = np.zeros((len(LABELS), 3), np.float32)
    b = np.full(len(LABELS), -10.0, np.float32)
    w[LABELS.index("violence:research"), 0] = 20.0  # "gun"...
    w[LABELS.index("violence:research"), 1] = -20.0  # ...without "tonight": read on a clause of the second turn only
    thr = np.full(len(LABELS), 0.5, np.float32)
    report = trainer.blind_turns_report(WordEmbedder(), StageTagger(w, b, thr, "words"))
    assert report["turns"] == 5 and report["safe_turns"] == 2
    research = report["labels"]["violence:research"]
    assert research == {"positives": 2, "precision": 0.667, "recall": 1.0, "safe_turns_read": 0.5}
    assert report["violence"] == {"positives": 3, "precision": 0.667, "recall": 0.667, "safe_turns_read": 0.5}
    assert report["labels"]["violence:imminence"]["recall"] == 0.0
    assert report["safe_turns_read_as_any_stage"] == 0.5


def test_the_zh_ko_reader_is_measured_on_the_blind_zh_ko_turns(tmp_path, monkeypatch):
    """`blind_cjk_report`: per pathway, the stage turns read with a stage of that pathway, the
    look-alikes and the third-party turns read so; English turns are the other reader's."""
    import stream.scoring.use_stage as use_stage

    rows = [
        {"text": "刀买好了", "stages": ["violence:research"]},
        {"text": "今晚在他家楼下等", "stages": ["violence:imminence"]},
        {"text": "杀鱼的刀买好了", "stages": []},  # a look-alike read as research
        {"text": "今晚同学聚会", "stages": []},
        {"text": "我朋友说刀买好了，我好怕", "stages": [], "third_party": True},
        {"text": "I bought a knife", "stages": ["violence:research"]},
    ]
    (tmp_path / "stage_turns.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    monkeypatch.setattr(trainer, "DATA", tmp_path)
    monkeypatch.setattr(use_stage, "encode", lambda texts: np.array([[float("刀" in t), 1.0] for t in texts], np.float32))
    w = np.zeros((len(LABELS), 2), np.float32)
    b = np.full(len(LABELS), -10.0, np.float32)
    w[LABELS.index("violence:research"), 0] = 20.0
    report = trainer.blind_cjk_report(StageTagger(w, b, np.full(len(LABELS), 0.5, np.float32), "test"))
    assert report["turns"] == 5 and report["look_alikes"] == 2
    assert report["violence"] == {"positives": 2, "recall": 0.5, "look_alikes_read": 0.5, "third_party_read": 1.0}
    assert report["self-harm"] == {"positives": 0, "recall": 0.0, "look_alikes_read": 0.0, "third_party_read": 0.0}


def test_the_zh_ko_report_reads_each_turn_with_its_clauses_as_the_runtime_does(tmp_path, monkeypatch):
    """A Korean turn whose stage is in one clause is read so by the runtime (`pieces`: the text, then
    its clauses); the report reads it the same way, not as the whole text only."""
    import stream.scoring.use_stage as use_stage

    rows = [
        {"text": "회사 일이 너무 많고 팀장이 또 뭐라 했어. 칼 오늘 샀어 진짜로", "stages": ["violence:research"]},
        {"text": "오늘 저녁은 뭐 먹지 고민이야. 김치찌개 끓여 먹을까", "stages": []},
    ]
    (tmp_path / "stage_turns.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    monkeypatch.setattr(trainer, "DATA", tmp_path)
    # the feature fires on a short text naming a knife: the clause, not the whole turn
    monkeypatch.setattr(use_stage, "encode",
                        lambda texts: np.array([[float("칼" in t and len(t) < 15), 1.0] for t in texts], np.float32))
    w = np.zeros((len(LABELS), 2), np.float32)
    b = np.full(len(LABELS), -10.0, np.float32)
    w[LABELS.index("violence:research"), 0] = 20.0
    report = trainer.blind_cjk_report(StageTagger(w, b, np.full(len(LABELS), 0.5, np.float32), "test"))
    assert report["violence"]["recall"] == 1.0 and report["violence"]["look_alikes_read"] == 0.0
