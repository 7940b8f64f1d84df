"""How fast can the encoder read chat turns on one core here? (issue 13's 1,000 turns per second)

`bench_score.py` measures the whole scorer. This measures the MiniLM graph alone on the same chat
mix, run as the scorer runs it (normalised, tokenised, head and tail at 128 tokens, batches of
similar length up to `TOKEN_BUDGET` positions), without the text cache: the scorer cannot read
English turns faster than this. Beside the production graph (int8 per token, batch-invariant,
dense layers on the real tokens only), and with `onnx` importable (the training venv), two
reference graphs built from the same weights: float32, and onnxruntime's own dynamic int8
quantisation (`quantize_dynamic`: per-tensor activation scales, so a text's scores depend on its
batch mates; for reference only). If the production graph is no slower than onnxruntime's own
int8, the encoder's cost is this CPU's, not the graph's.

    .venv-train/bin/python bench/bench_encoder_ceiling.py   # all three graphs
    .venv/bin/python bench/bench_encoder_ceiling.py         # the production graph only

CPU seconds of this process, pinned to one CPU, one thread everywhere. Writes
bench/results/encoder_ceiling.json.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RISKSTREAM_ORT_THREADS"):
    os.environ[_var] = "1"  # before numpy and onnxruntime load: one thread everywhere

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"

from stream.scoring.encoder import TOKEN_BUDGET, id_batches, encode_ids, is_cjk, load_tokenizer  # noqa: E402
from stream.scoring.normalize import normalize_text  # noqa: E402
from stream.scoring.onnx_model import make_session  # noqa: E402

MODELS = ROOT / "models"
ROUNDS = 3


def _bench_score():
    spec = importlib.util.spec_from_file_location("bench_score", ROOT / "bench" / "bench_score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def english_ids(n: int) -> list[list[int]]:
    """Token ids of the English (non-CJK) turns of `bench_score`'s chat mix, as the scorer makes them."""
    tok = load_tokenizer(MODELS / "encoder_tokenizer.json")
    texts = [normalize_text(t) for t in _bench_score().chat_mix(n)]
    return encode_ids(tok, [t for t in texts if t and not is_cjk(t)], 128)


def time_graph(path: Path, ids: list[list[int]], outputs: list[str]) -> dict:
    """CPU seconds to read every text once in the scorer's batches (best of `ROUNDS`)."""
    session = make_session(path, 1)
    batches = list(id_batches(ids, 64, TOKEN_BUDGET))
    session.run(outputs, batches[0][1])  # warm-up
    best = None
    for _ in range(ROUNDS):
        start = time.process_time()
        for _, feeds in batches:
            session.run(outputs, feeds)
        cpu = time.process_time() - start
        best = cpu if best is None else min(best, cpu)
    tokens = sum(len(i) for i in ids)
    return {"cpu_s": round(best, 4), "texts_per_cpu_s": round(len(ids) / best, 1),
            "us_per_token": round(best / tokens * 1e6, 1), "runs": len(batches)}


def reference_graphs(d: Path) -> dict[str, Path]:
    """float32 and onnxruntime-quantised graphs of the same weights (needs `onnx`)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    import onnx
    from models.train.minilm_onnx import build_encoder, load_safetensors, model_dir

    fp32 = d / "fp32.onnx"
    onnx.save(build_encoder(load_safetensors(model_dir() / "model.safetensors"), quant=False, packed=False), fp32)
    dq = d / "ort_dynamic_int8.onnx"
    quantize_dynamic(str(fp32), str(dq), weight_type=QuantType.QInt8)
    return {"float32 (reference)": fp32, "onnxruntime dynamic int8 (reference, batch-dependent)": dq}


def main(n: int = 6000) -> dict:
    _bench_score()._pin()
    ids = english_ids(n)
    lengths = [len(i) for i in ids]
    result: dict = {
        "bench": "encoder_ceiling", "input": f"bench/bench_score.py chat_mix({n}), its English turns (CJK turns go to USE)",
        "texts": len(ids), "tokens_mean": round(statistics.mean(lengths), 1), "tokens_median": statistics.median(lengths),
        "tokens_p90": sorted(lengths)[int(0.9 * len(lengths))], "token_budget_per_run": TOKEN_BUDGET, "graphs": {}}
    graphs = {"production (int8 per token, batch-invariant)": MODELS / "encoder_minilm_int8.onnx"}
    with tempfile.TemporaryDirectory() as d:
        try:
            graphs.update(reference_graphs(Path(d)))
        except ImportError as exc:
            result["reference_skipped"] = f"{exc} (run it in the training venv for the reference graphs)"
        for name, path in graphs.items():
            outputs = ["scores", "embedding"] if "production" in name else ["embedding"]
            result["graphs"][name] = time_graph(path, ids, outputs)
            print(name, result["graphs"][name], flush=True)
    score = RESULTS / "score.json"
    if score.is_file():
        s = json.loads(score.read_text())
        result["scorer_turns_per_cpu_s_in_score_json"] = s.get("summary", {}).get("in_process_turns_per_cpu_s")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "encoder_ceiling.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
