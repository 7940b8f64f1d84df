"""`riskstream eval-classifier`: per-category AUPRC, F1 at threshold and benign FPR on labelled JSONL.

Input format, one JSON object per line:
  {"text": "...", "labels": {"<category>": 0 | 1 | null, ...}, "benign": true?, "source": "..."?}
Missing or null categories are unknown (left out of that category's metrics). `benign: true`
means every category is 0 and the row counts towards the benign false-positive rate (FPR =
share of benign rows flagged in any category). The "any" row is the binary task: positive if
any category is 1, negative if the row is benign or all 13 categories are 0, unknown otherwise.
"""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("eval-classifier", help="evaluate the classifiers on labelled JSONL",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, action="append", metavar="FILE",
                   help="labelled JSONL (repeatable); see `--help` text for the format")
    p.add_argument("--stages", choices=("cascade", "cheap", "encoder"), default=None,
                   help="score with the full cascade (default) or one stage only")
    p.add_argument("--models-dir", metavar="DIR", help="models directory (default: the repository's models/)")
    p.add_argument("--no-lists", action="store_true", help="disable blocklists and hash banks")
    p.add_argument("--by-source", action="store_true", help="also print binary metrics per `source` field")
    p.add_argument("--batch-size", type=int, default=256, metavar="N")
    p.add_argument("--json", metavar="FILE", help="also write the metrics as JSON")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the model card)")
    p.set_defaults(func=run)


def _load(paths):
    import orjson

    from stream.taxonomy import CATEGORIES

    rows = []
    for path in paths:
        with open(path, "rb") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    r = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise SystemExit(f"riskstream eval-classifier: {path}:{n}: not valid JSON: {exc}")
                if not isinstance(r, dict) or not isinstance(r.get("text"), str):
                    raise SystemExit(f"riskstream eval-classifier: {path}:{n}: expected an object with a string 'text'")
                labels = r.get("labels") or {}
                bad = set(labels) - set(CATEGORIES)
                if bad:
                    raise SystemExit(f"riskstream eval-classifier: {path}:{n}: unknown categories {sorted(bad)}")
                rows.append(r)
    return rows


def evaluate(rows, scorer, batch_size: int = 256) -> dict:
    """Metrics dict for labelled rows (used by the CLI and the training pipeline's report)."""
    import numpy as np

    from stream.scoring.metrics import auprc, prf
    from stream.taxonomy import CATEGORIES

    n = len(rows)
    k = len(CATEGORIES)
    Y = np.full((n, k), np.nan, dtype=np.float64)
    benign = np.zeros(n, dtype=bool)
    for i, r in enumerate(rows):
        if r.get("benign"):
            Y[i] = 0.0
            benign[i] = True
            continue
        for c, v in (r.get("labels") or {}).items():
            if v is not None:
                Y[i, CATEGORIES.index(c)] = float(v)
    S = np.zeros((n, k), dtype=np.float64)
    F = np.zeros((n, k), dtype=bool)
    for s in range(0, n, batch_size):
        res = scorer.score_batch([r["text"] for r in rows[s:s + batch_size]])
        for j, ts in enumerate(res):
            S[s + j] = [ts.category_scores[c] for c in CATEGORIES]
            F[s + j] = [ts.categories[c] for c in CATEGORIES]
    thr = getattr(scorer, "threshold_map", {})
    out: dict = {"n": n, "n_benign": int(benign.sum()), "categories": {}}
    for j, c in enumerate(CATEGORIES):
        known = ~np.isnan(Y[:, j])
        y, sc, fl = Y[known, j], S[known, j], F[known, j]
        npos = int(y.sum())
        f1, p, rcl = prf(fl, y)
        out["categories"][c] = {
            "n": int(known.sum()), "n_pos": npos,
            "auprc": auprc(y, sc) if npos and npos < len(y) else None,
            "f1": f1 if npos else None, "precision": p if fl.any() else None, "recall": rcl if npos else None,
            "threshold": thr.get(c),
            "benign_fpr": float(F[benign, j].mean()) if benign.any() else None,
        }
    anyy = np.where(np.nansum(Y, 1) > 0, 1.0, np.where(np.all(~np.isnan(Y), 1), 0.0, np.nan))
    kk = ~np.isnan(anyy)
    flagged = F.any(1)
    ya, sa, fa = anyy[kk], S[kk].max(1), flagged[kk]
    f1, p, rcl = prf(fa, ya)
    out["any"] = {
        "n": int(kk.sum()), "n_pos": int(ya.sum()),
        "auprc": auprc(ya, sa) if 0 < ya.sum() < len(ya) else None,
        "f1": f1 if ya.sum() else None,
        "precision": p if fa.any() else None, "recall": rcl if ya.sum() else None,
        "flagged_rate_pos": float(flagged[anyy == 1].mean()) if (anyy == 1).any() else None,
    }
    out["benign_fpr"] = float(flagged[benign].mean()) if benign.any() else None
    # per source
    srcs = sorted({str(r.get("source")) for r in rows if r.get("source") is not None})
    out["sources"] = {}
    for src in srcs:
        m = np.array([str(r.get("source")) == src for r in rows])
        mk = m & kk
        ys = anyy[mk]
        out["sources"][src] = {
            "n": int(m.sum()), "n_pos": int(np.nansum(ys)),
            "auprc": auprc(ys, S[mk].max(1)) if 0 < ys.sum() < len(ys) else None,
            "flagged_rate": float(flagged[m].mean()),
            "benign_fpr": float(flagged[m & benign].mean()) if (m & benign).any() else None,
        }
    return out


def _fmt(v, pct=False):
    if v is None:
        return "-"
    return f"{v:.3f}"


def format_table(res: dict, markdown: bool = False) -> str:
    from stream.taxonomy import CATEGORIES

    head = ["category", "n", "pos", "AUPRC", "F1@thr", "P", "R", "thr", "benign FPR"]
    lines = []
    rows = []
    for c in CATEGORIES:
        m = res["categories"][c]
        rows.append([c, str(m["n"]), str(m["n_pos"]), _fmt(m["auprc"]), _fmt(m["f1"]), _fmt(m["precision"]),
                     _fmt(m["recall"]), _fmt(m["threshold"]), _fmt(m["benign_fpr"])])
    a = res["any"]
    rows.append(["any (binary)", str(a["n"]), str(a["n_pos"]), _fmt(a["auprc"]), _fmt(a["f1"]), _fmt(a["precision"]),
                 _fmt(a["recall"]), "-", _fmt(res["benign_fpr"])])
    if markdown:
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
        for r in rows:
            lines.append("| " + " | ".join(r) + " |")
    else:
        w = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))]
        lines.append("  ".join(h.ljust(w[i]) if i == 0 else h.rjust(w[i]) for i, h in enumerate(head)))
        for r in rows:
            lines.append("  ".join(x.ljust(w[i]) if i == 0 else x.rjust(w[i]) for i, x in enumerate(r)))
    return "\n".join(lines)


def format_sources(res: dict, markdown: bool = False) -> str:
    head = ["source", "n", "pos", "any AUPRC", "flagged", "benign FPR"]
    rows = [[s, str(m["n"]), str(m["n_pos"]), _fmt(m["auprc"]), _fmt(m["flagged_rate"]), _fmt(m["benign_fpr"])]
            for s, m in res["sources"].items()]
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(out)
    w = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))] if rows else [len(h) for h in head]
    out = ["  ".join(h.ljust(w[i]) if i == 0 else h.rjust(w[i]) for i, h in enumerate(head))]
    out += ["  ".join(x.ljust(w[i]) if i == 0 else x.rjust(w[i]) for i, x in enumerate(r)) for r in rows]
    return "\n".join(out)


def run(args) -> int:
    import json
    from pathlib import Path

    from stream.scoring import load_default_scorer

    rows = _load(args.data)
    if not rows:
        print("riskstream eval-classifier: no rows", file=sys.stderr)
        return 1
    kwargs = {"use_lists": not args.no_lists}
    if args.stages:
        kwargs["stages"] = args.stages
    if args.models_dir:
        kwargs["models_dir"] = Path(args.models_dir)
    scorer = load_default_scorer(**kwargs)
    res = evaluate(rows, scorer, args.batch_size)
    res["model_version"] = getattr(scorer, "version", None)
    res["data"] = [str(p) for p in args.data]
    print(f"# {', '.join(args.data)}: {res['n']} rows, {res['n_benign']} benign; model {res['model_version']}")
    print(format_table(res, args.markdown))
    if args.by_source and res["sources"]:
        print()
        print(format_sources(res, args.markdown))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1, sort_keys=True))
    return 0
