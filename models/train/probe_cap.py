"""Probe (issue 13): would a lower cap on each source's total weight make the heads better out of family?

    .venv-train/bin/python -m models.train.probe_cap   # about ten minutes once the encoder cache is warm

`encoder_rows.source_mass` caps each source's total row weight (6,000 today) so that no corpus style
dominates; the big toxic-comment corpora still outweigh the small LLM-era request families many times
over. Same rows, folds, logistic heads (L2 `probes.L2`, not re-selected per cap) and calibration as the
other probes (`probes`), at caps of 6,000 (production), 2,000 and 700; with each, the production rule's figures
and the frontier of look-alikes against harmful requests (`probes.frontier`).
Writes bench/results/source_cap_probe.json. Session 38 result: any-AUPRC 0.772 -> 0.782 / 0.786 at caps
2,000 / 700, but look-alikes flagged 16.3 -> 15.7 / 18.6 % with harmful requests 56.2 -> 53.5 / 55.6 %.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from models.train.encoder_rows import source_mass
from models.train.probes import frontier, linear_heads, load_rows, report

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "source_cap_probe.json"
CAPS = (6000.0, 2000.0, 700.0)


def main() -> int:
    t0 = time.time()
    d = load_rows()
    results = []
    for cap in CAPS:
        d["w"] = source_mass(d["rows"], cap=cap).astype(np.float32)
        logit = linear_heads(d)
        results.append({**report(d, logit, f"source cap {cap:g}" + (" (production)" if cap == CAPS[0] else "")),
                        "frontier": frontier(d, logit)})
    OUT.write_text(json.dumps({"probe": "source_cap", "question": __doc__.splitlines()[0], "rows": len(d["rows"]),
                               "results": results, "minutes": round((time.time() - t0) / 60, 1)}, indent=1) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
