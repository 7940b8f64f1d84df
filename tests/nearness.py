"""Near-paraphrase search for the data tests: written rows that share too many words with rows they
must stay apart from (training data, or what measures the models)."""

from __future__ import annotations

import re


def words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z']+", text.lower()))


def close_rows(texts: list[str], measured: list[str], share: float = 0.45, skip_commonest: int = 0) -> list[str]:
    """The `texts` sharing `share` or more of their words (Jaccard) with a `measured` row of at least
    four words. Candidates are the measured rows sharing a word outside the `skip_commonest`
    commonest words of `measured` (a text of only common words is compared with every row)."""
    rows = [w for w in map(words, measured) if len(w) >= 4]
    freq: dict[str, int] = {}
    for m in rows:
        for word in m:
            freq[word] = freq.get(word, 0) + 1
    common = set(sorted(freq, key=freq.get, reverse=True)[:skip_commonest])
    index: dict[str, list[int]] = {}
    for i, m in enumerate(rows):
        for word in m - common:
            index.setdefault(word, []).append(i)
    close = []
    for text in texts:
        w = words(text)
        near = {i for word in w - common for i in index.get(word, ())} if w - common else range(len(rows))
        if any(len(rows[i] & w) / len(rows[i] | w) >= share for i in near):
            close.append(text)
    return close


def measured_texts() -> list[str]:
    """What measures the detector and must stay apart from what is written for it: every turn of the
    blind people (bench/people/) and every row of the behaviour set (tests/data/classifier_behaviour.jsonl)."""
    import json
    from pathlib import Path

    from bench.bench_people import every_person, turn_texts

    behaviour = Path(__file__).resolve().parent / "data" / "classifier_behaviour.jsonl"
    return turn_texts(every_person()) + [json.loads(line)["text"] for line in behaviour.read_text().splitlines()
                                         if line.strip()]
