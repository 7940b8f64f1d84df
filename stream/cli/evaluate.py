"""`riskstream evaluate`: score replayed cases against reviewer decisions, or against simulation truth.

Decisions (`--decisions TOPIC|FILE`) give precision against confirmed decisions, dismissed cases,
confirmed cases the replay missed, detection delay and review load per day. Truth (`--truth
FILE`, from `riskstream simulate`) gives user-level precision/recall and delay, optionally next
to a baseline's cases. Writes JSON (--json) and a self-contained HTML report with plots (--html).
"""

from __future__ import annotations

import sys
from pathlib import Path


def register(sub) -> None:
    from stream.config import add_kafka_args

    p = sub.add_parser("evaluate", help="compare replayed cases with reviewer decisions or simulation truth",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", required=True, metavar="FILE", help="case events from `riskstream replay --cases`")
    labels = p.add_mutually_exclusive_group(required=True)
    labels.add_argument("--decisions", metavar="TOPIC|FILE",
                        help="review decisions: a JSONL file, or a topic (full name, or 'review-decisions' for the "
                             "configured prefix)")
    labels.add_argument("--truth", metavar="FILE", help="simulation truth (JSONL, one line per synthetic user)")
    p.add_argument("--turns", metavar="FILE", help="truth mode: the simulated turns, to count delay in turns")
    p.add_argument("--baseline-cases", metavar="FILE", help="truth mode: cases of a baseline run, reported alongside")
    add_decision_args(p)
    p.add_argument("--json", metavar="OUT", help="write the metrics as JSON here ('-' = stdout)")
    p.add_argument("--html", metavar="OUT", help="write the HTML report here")
    add_kafka_args(p)
    p.set_defaults(func=run)


def add_decision_args(p) -> None:
    """Options shared with `riskstream recalibrate`: the join window and the replayed time range."""
    p.add_argument("--window-hours", type=float, default=168.0,
                   help="a decision for the same user within this many hours of a case opening joins it (default 168)")
    p.add_argument("--from", dest="start", metavar="T",
                   help="start of the replayed range (RFC 3339 or 7d): decisions and load are limited to it")
    p.add_argument("--to", dest="end", metavar="T", help="end of the replayed range (default: now when --from is given)")


def fail(command: str, message: str):
    raise SystemExit(f"riskstream {command}: {message}")


def time_span(args, command: str) -> tuple[float, float] | None:
    import time

    from stream.drivers.topic_source import parse_when

    if not args.start:
        if args.end:
            fail(command, "--to needs --from")
        return None
    now = time.time()
    try:
        start = parse_when(args.start, now)
        end = parse_when(args.end, now) if args.end else now
    except ValueError as exc:
        fail(command, str(exc))
    if end <= start:
        fail(command, "--to must be after --from")
    return start, end


def read_records(value: str, settings, command: str):
    """(where, raw) records of a JSONL file, or of a whole topic when `value` is not a file."""
    from stream.config import TOPICS
    from stream.drivers.topic_source import TopicMissing, read_topic
    from stream.jsonl import iter_lines

    path = Path(value)
    if path.is_file():
        with path.open("rb") as fh:
            return [(f"{value}:{n}", raw) for n, raw in iter_lines(fh)]
    if path.suffix in (".jsonl", ".json") or "/" in value:
        fail(command, f"file not found: {value}")
    topic = settings.topic(value) if value in TOPICS else value
    try:
        return [(f"{topic}/{r.partition}@{r.offset}", r.value) for r in read_topic(settings, topic)]
    except (TopicMissing, TimeoutError) as exc:
        fail(command, f"{value!r} is not a file, and as a topic: {exc}")


def load_joined(args, command: str):
    """Cases from --cases joined to --decisions (see stream/evaluation/labels.py for the rule)."""
    from stream.config import settings_from
    from stream.evaluation.cases import load_cases
    from stream.evaluation.labels import join_decisions, parse_decisions

    span = time_span(args, command)
    try:
        cases = load_cases(args.cases)
    except ValueError as exc:
        fail(command, str(exc))
    errors: list[str] = []
    decisions = parse_decisions(read_records(args.decisions, settings_from(args), command), errors)
    _warn(command, "decision", errors)
    if errors and not decisions:
        fail(command, f"every one of the {len(errors)} decision record(s) in {args.decisions} is invalid")
    window = args.window_hours * 3600
    if span is not None:
        decisions = [d for d in decisions if span[0] <= d.ts < span[1] + window]
        cases = [c for c in cases if span[0] <= c.opened_at < span[1]]
    joined, missed = join_decisions(cases, decisions, window)
    return joined, missed, span


def _warn(command: str, what: str, errors: list[str]) -> None:
    if errors:
        print(f"riskstream {command}: skipped {len(errors)} invalid {what} record(s); first: " + "; ".join(errors[:3]),
              file=sys.stderr)


def run(args) -> int:
    from stream.evaluation.metrics import decision_report

    if args.decisions:
        if args.turns or args.baseline_cases:
            fail("evaluate", "--turns and --baseline-cases belong to truth mode (--truth FILE)")
        joined, missed, span = load_joined(args, "evaluate")
        report = decision_report(joined, missed, span)
        report["inputs"] = {"cases": args.cases, "decisions": args.decisions, "window_hours": args.window_hours}
        o = report["overall"]
        summary = (f"{o['cases']} case(s): {o['confirmed']} confirmed, {o['dismissed']} dismissed, {o['unreviewed']} "
                   f"unreviewed; precision {_pct(o['precision'])}; {o['missed_confirmed']} confirmed case(s) missed "
                   f"(recall {_pct(o['recall'])}); {report['load']['per_day']['mean']} cases/day on average")
    else:
        report = _truth(args)
        summary = "; ".join(f"{name}: precision {_pct(s['precision'])}, recall {_pct(s['recall'])}, "
                            f"{s['benign_flagged_per_1000']} benign flagged per 1,000, median delay "
                            f"{s['delay_turns']['median']} turns / {s['delay_hours']['median']} h"
                            for name, s in report["systems"].items())
    _write(report, args)
    print(f"riskstream evaluate: {summary}", file=sys.stderr)
    return 0


def _truth(args) -> dict:
    from stream.evaluation.cases import load_cases
    from stream.evaluation.labels import parse_truth
    from stream.evaluation.metrics import truth_report

    errors: list[str] = []
    if not Path(args.truth).is_file():
        fail("evaluate", f"truth file not found: {args.truth}")
    truth = parse_truth(read_records(args.truth, None, "evaluate"), errors)
    _warn("evaluate", "truth", errors)
    if not truth:
        fail("evaluate", f"no usable truth lines in {args.truth}")
    try:
        systems = {"riskstream": load_cases(args.cases)}
        if args.baseline_cases:
            systems["baseline"] = load_cases(args.baseline_cases)
    except ValueError as exc:
        fail("evaluate", str(exc))
    report = truth_report(truth, systems, _user_turns(args.turns) if args.turns else None)
    report["inputs"] = {"cases": args.cases, "truth": args.truth, "turns": args.turns,
                        "baseline_cases": args.baseline_cases}
    return report


def _user_turns(path: str) -> dict[str, list[tuple[float, str]]]:
    """user_id -> [(ts, event_id)] of the user's own (role=user) turns in event-time order."""
    from stream.core.events import Turn, parse_turn
    from stream.jsonl import iter_lines, open_input

    turns = []
    with open_input(path) as fh:
        for n, raw in iter_lines(fh):
            t = parse_turn(raw)
            if not isinstance(t, Turn):
                fail("evaluate", f"{path}:{n}: {t.reason}")
            if t.role == "user":
                turns.append(t)
    out: dict[str, list[tuple[float, str]]] = {}
    for t in sorted(turns, key=Turn.order_key):
        out.setdefault(t.user_id, []).append((t.ts, t.event_id))
    return out


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _write(report: dict, args) -> None:
    import orjson

    from stream.evaluation.report import render
    from stream.jsonl import open_output

    if args.json:
        with open_output(args.json) as fh:
            fh.write(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
    if args.html:
        with open_output(args.html) as fh:
            fh.write(render(report).encode())
