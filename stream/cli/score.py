"""`riskstream score`: stateless per-line scoring, the moderation-API-shaped output contract.

Contract: one JSON line per input line, same order:
{"event_id", "flagged", "categories": {13 keys: bool}, "category_scores": {13 keys: float}}.
A line that cannot be scored yields {"event_id", "error"} in its place and a non-zero exit.
"""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("score", help="score each JSON line ({event_id, text}) on its own",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--input", required=True, metavar="FILE", help="JSONL input, '-' for stdin")
    p.add_argument("--output", required=True, metavar="FILE", help="JSONL output, '-' for stdout")
    p.add_argument("--batch-size", type=int, default=256, metavar="N")
    p.add_argument("--signals", action="store_true", help="also include blocklist/hash-bank signals per line")
    from stream.cli.common import add_models_arg

    add_models_arg(p)
    p.set_defaults(func=run)


def _parse(raw: bytes) -> tuple[object, str | None, str | None]:
    """(event_id, text, error)."""
    import orjson

    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return None, None, f"not valid JSON: {exc}"
    if not isinstance(obj, dict):
        return None, None, "expected a JSON object"
    event_id = obj.get("event_id")
    text = obj.get("text")
    if not isinstance(text, str):
        return event_id, None, "missing or non-string 'text'"
    return event_id, text, None


def run(args) -> int:
    from stream.jsonl import dumps_line, open_input, open_output
    from stream.progress import Progress
    from stream.cli.common import load_scorer

    scorer = load_scorer(args)
    errors = 0
    progress = Progress("score", enabled=args.output != "-")
    with open_input(args.input) as fin, open_output(args.output) as fout:
        pending: list[tuple[object, str | None, str | None]] = []

        def flush() -> None:
            nonlocal errors
            texts = [t for _, t, err in pending if err is None]
            scores = iter(scorer.score_batch(texts)) if texts else iter(())
            for event_id, _, err in pending:
                if err is not None:
                    errors += 1
                    fout.write(dumps_line({"event_id": event_id, "error": err}))
                    continue
                s = next(scores)
                out = {"event_id": event_id, "flagged": s.flagged, "categories": s.categories,
                       "category_scores": s.category_scores}
                if args.signals:
                    out["signals"] = [sig.to_dict() for sig in s.signals]
                fout.write(dumps_line(out))
            progress.update(len(pending))
            pending.clear()

        for line in fin:
            if not line.strip():
                pending.append((None, None, "blank line"))
            else:
                pending.append(_parse(line))
            if len(pending) >= args.batch_size:
                flush()
        if pending:
            flush()
    progress.close()
    if errors:
        print(f"riskstream score: {errors} line(s) could not be scored (see 'error' in the output)", file=sys.stderr)
        return 1
    return 0
