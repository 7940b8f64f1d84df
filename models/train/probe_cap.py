"""Probe (issue 13): would a lower cap on each source's total weight make the heads better out of family?

    .venv-train/bin/python -m models.train.probe_cap   # about ten minutes once the encoder cache is warm

`encoder_rows.source_mass` caps each source's total row weight (6,000 today) so that no corpus style
dominates; the big toxic-comment corpora still outweigh the small LLM-era request families many times
over. Same rows, folds, logistic heads (L2 `probes.L2`; at cap 700 also the L2 on either side) and
calibration as the other probes (`probes`), at caps of 6,000 (production), 2,000, 700 and 300; with
each, the production rule's figures and the frontier of look-alikes against harmful requests (`probes.frontier`).
Writes bench/results/source_cap_probe.json. Session 38 result: any-AUPRC 0.772 -> 0.782 / 0.786 / 0.789 at
caps 2,000 / 700 / 300, but look-alikes flagged 16.3 -> 15.7 / 18.6 / 18.1 % with harmful requests
56.2 -> 53.5 / 55.6 / 55.7 %; at cap 700 the L2 on either side reads 0.779 / 0.782.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from models.train.encoder_rows import source_mass
from models.train.probes import L2, linear_heads, load_rows, report, write_probe

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "results" / "source_cap_probe.json"
CAPS = (6000.0, 2000.0, 700.0, 300.0)
L2_AT_700 = (1e-4, 1e-3)  # the L2 grid around the production one, at cap 700


def main() -> int:
    t0 = time.time()
    d = load_rows()
    results = []
    for cap, l2 in [(c, L2) for c in CAPS] + [(700.0, l2) for l2 in L2_AT_700]:
        d["w"] = source_mass(d["rows"], cap=cap).astype(np.float32)
        logit = linear_heads(d, l2=l2)
        name = f"source cap {cap:g}, L2 {l2:g}" + (" (production)" if (cap, l2) == (CAPS[0], L2) else "")
        results.append(report(d, logit, name, with_frontier=True))
    return write_probe(OUT, "source_cap", __doc__, d, results, t0)


if __name__ == "__main__":
    raise SystemExit(main())
