"""`riskstream replay`: run the detection core over historical turns, without a broker.

Turns are validated (rejections go to --dead-letter, or are reported), ordered by event time and
driven through the same core as the worker. --cases gets one JSON line per case event (open or
update); --scores one line per turn.
"""

from __future__ import annotations

import sys


def register(sub) -> None:
    from stream.cli.common import add_policy_args

    p = sub.add_parser("replay", help="replay turns from a JSONL file through the core (no broker)",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--input", required=True, metavar="FILE", help="turns as JSONL (schemas/turn.schema.json), '-' for stdin")
    p.add_argument("--cases", metavar="OUT", help="write case events (JSONL) here, '-' for stdout")
    p.add_argument("--scores", metavar="OUT", help="write per-turn scores (JSONL) here")
    p.add_argument("--dead-letter", metavar="OUT", help="write rejected input records (JSONL) here")
    p.add_argument("--batch-size", type=int, default=256, metavar="N")
    p.add_argument("--summary", action="store_true", help="print a readable summary of every case opened")
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    add_policy_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from stream.cli.common import build_detector
    from stream.drivers.replay import ReplayStats, load_turns, replay_turns
    from stream.jsonl import dumps_line, iter_lines, open_input, open_output
    from stream.progress import Progress

    detector = build_detector(args)
    stats = ReplayStats()
    with open_input(args.input) as fin:
        turns = load_turns(iter_lines(fin), f"file:{args.input}", stats, detector.config.zdr_tenants)
    opened: list[dict] = []
    progress = Progress("replay", total=len(turns), enabled=not args.no_progress)
    with open_output(args.cases) as cases, open_output(args.scores) as scores, \
            open_output(args.dead_letter) as dead:
        if dead is not None:
            for rec in stats.rejections:
                dead.write(dumps_line(rec))
        try:
            replay_turns(detector, turns, {"case": cases, "score": scores}, stats, args.batch_size,
                         on_batch=progress.update,
                         on_effect=lambda e: opened.append(e.payload) if e.kind == "case" else None)
        finally:
            progress.close()
    _report(stats, args)
    if args.summary:
        print_summary(opened)
    return 0


def _report(stats, args) -> None:
    out = sys.stderr
    rate = stats.turns / stats.seconds if stats.seconds > 0 else 0.0
    print(f"replayed {stats.turns:,} turns from {len(stats.users):,} users in {stats.seconds:.1f}s ({rate:,.0f} turns/s): "
          f"{stats.flagged_turns:,} flagged turns, {stats.cases_opened:,} cases opened, "
          f"{stats.case_updates:,} case updates", file=out)
    if stats.rejected:
        where = f"written to {args.dead_letter}" if args.dead_letter else "not written (use --dead-letter FILE)"
        print(f"rejected {stats.rejected:,} input line(s), {where}; first: " +
              "; ".join(f"line {r['source']['line']}: {r['reason']}" for r in stats.rejections[:3]), file=out)


def print_summary(case_events: list[dict]) -> None:
    """Readable account of each case: who, what, why, which turns (redacted excerpts)."""
    opens = {}
    for ev in case_events:
        opens.setdefault(ev["case_id"], []).append(ev)
    if not opens:
        print("No cases opened.")
        return
    print(f"\n{len(opens)} case(s) opened:\n")
    for case_id, events in opens.items():
        last = events[-1]
        first = events[0]
        print(f"{case_id}  user={last['user_id']}  priority=P{last['priority']}  route={last['route']}  "
              f"severity={last['severity']:.2f}  categories={', '.join(last['categories'])}")
        print(f"  opened {first['opened_at']} by rule '{first['rule']}' on turn {first['trigger_event_id']}"
              + (f"; {len(events) - 1} update(s), last on {last['trigger_event_id']}" if len(events) > 1 else ""))
        print(f"  why: {last['reason']}")
        for e in last["evidence"]:
            text = e["excerpt"] if e["excerpt"] is not None else "(text not retained)"
            print(f"    - {e['ts']}  {e['conversation_id']}#{e['turn_index']}  {e['top_category']} {e['score']:.2f}  {text}")
        print()
