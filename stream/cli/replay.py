"""`riskstream replay`: run the detection core over historical turns, from a file or a Kafka topic.

Turns are validated (rejections go to --dead-letter, or are reported), filtered by the privacy
holds (deleted users, time range, retention), ordered by event time and driven through the same
core as the worker. --cases gets one JSON line per case event (open or update); --scores one line
per turn. --shadow replays an alternative configuration alongside and reports the diff.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from contextlib import ExitStack


def register(sub) -> None:
    from stream.cli.common import add_models_arg, add_policy_args
    from stream.config import add_kafka_args

    p = sub.add_parser("replay", help="replay historical turns (file or topic) through the core; shadow-compare configs",
                       description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--input", metavar="FILE", help="turns as JSONL (schemas/turn.schema.json), '-' for stdin")
    src.add_argument("--topic", metavar="TOPIC", help="historical turns topic to read (full name); needs --from")
    p.add_argument("--from", dest="start", metavar="T", help="start of the event-time range: RFC 3339 or a duration "
                   "before now (7d, 12h); required with --topic")
    p.add_argument("--to", dest="end", metavar="T", help="end of the range (exclusive), same forms; default now")
    p.add_argument("--archive", action="store_true",
                   help="the source is an archive you own: allow --from beyond the retention limit")
    p.add_argument("--lateness", default="1h", metavar="DURATION",
                   help="how long after its event time a record may have been produced (topic scan slack, default 1h)")
    p.add_argument("--privacy-requests", metavar="FILE",
                   help="privacy requests (JSONL, schemas/privacy-request.schema.json); with --topic the "
                        "privacy-requests topic is read as well")
    p.add_argument("--cases", metavar="OUT", help="write case events (JSONL) here, '-' for stdout")
    p.add_argument("--scores", metavar="OUT", help="write per-turn scores (JSONL) here")
    p.add_argument("--dead-letter", metavar="OUT", help="write rejected input records (JSONL) here")
    p.add_argument("--output-topic-prefix", metavar="PREFIX",
                   help="also produce cases and scores to PREFIXreview-cases / PREFIXturn-scores (never the live prefix)")
    p.add_argument("--shadow", metavar="FILE", help="alternative configuration (JSON: policy, models_dir, thresholds) "
                   "replayed alongside the current one")
    p.add_argument("--shadow-cases", metavar="OUT", help="write the shadow configuration's case events here")
    p.add_argument("--diff", metavar="OUT", help="write the shadow diff (JSON) here")
    p.add_argument("--match-window-hours", type=float, default=168.0,
                   help="shadow diff: a case of the same user opened this close counts as the same case (default 168)")
    p.add_argument("--batch-size", type=int, default=256, metavar="N")
    p.add_argument("--workers", type=_positive, default=None, metavar="N",
                   help="processes to replay in, the turns partitioned by person and the outputs merged, "
                        "byte-identical to one process (default: every core, at most one per 1,000 turns; "
                        "one with --shadow or --output-topic-prefix)")
    p.add_argument("--sort-buffer", type=_positive, default=200_000, metavar="TURNS",
                   help="turns held in memory while ordering by event time; beyond it sorted runs are spilled "
                        "to temporary files and merged, so long replays need bounded memory (default 200000)")
    p.add_argument("--summary", action="store_true", help="print a readable summary of every case opened")
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    add_models_arg(p)
    add_policy_args(p)
    add_kafka_args(p)
    p.set_defaults(func=run)


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def run(args) -> int:
    from stream.cli.common import check_floors, check_models_dir, config_error, load_policy
    from stream.config import settings_from
    from stream.drivers.partitioned import Workers, default_workers
    from stream.drivers.topic_sink import check_output_prefix
    from stream.evaluation.holds import HoldReport

    try:
        settings = settings_from(args)
    except ValueError as exc:
        config_error(str(exc), "replay")
    start, end, lateness = _time_range(args, settings)
    if args.output_topic_prefix is not None:
        _or_exit(check_output_prefix, settings, args.output_topic_prefix)
    if (args.shadow_cases or args.diff) and not args.shadow:
        raise SystemExit("riskstream replay: --shadow-cases and --diff need --shadow FILE")
    policy = load_policy(args)
    if not any((args.cases, args.scores, args.output_topic_prefix, args.shadow_cases, args.diff, args.summary)):
        print("riskstream replay: warning: no output requested (--cases, --scores, --summary, --output-topic-prefix, "
              "--shadow-cases or --diff); only the report line will be printed", file=sys.stderr)
    single = args.workers == 1 or args.shadow is not None or args.output_topic_prefix is not None
    base = shadow = None
    if single:
        base, shadow = _build_detectors(args, policy)
    else:  # each process loads the models; fail before reading the input all the same
        check_models_dir(args)
        check_floors(args, policy)

    holds = HoldReport()
    with ExitStack() as stack:
        processes = None
        if not single and args.workers:  # started now: they build their detectors while the input is read
            processes = stack.enter_context(Workers((_base_detector, (args, policy)), args.workers))
        loaded, stats = _load(args, settings, start, end, lateness, policy.zdr_tenants)
        stack.enter_context(loaded)  # spilled runs of the event-time sort are removed at the end
        workers = 1 if single else args.workers or default_workers(len(loaded))
        if workers == 1 and base is None:
            base, shadow = _build_detectors(args, policy)
        elif workers > 1 and processes is None:  # as many as the input's length calls for
            processes = stack.enter_context(Workers((_base_detector, (args, policy)), workers))
        return _replay(args, settings, policy, base, shadow, loaded, stats, holds, start, end, processes)


def _base_detector(args, policy):
    """The detector one replay process builds (`--workers`)."""
    return _build_detectors(args, policy)[0]


def _replay(args, settings, policy, base, shadow, loaded, stats, holds, start, end, processes=None) -> int:
    from stream.drivers.partitioned import WorkerFailed, replay_partitioned
    from stream.drivers.replay import Lane, replay_lanes
    from stream.drivers.topic_sink import TopicSink
    from stream.evaluation.cases import collapse
    from stream.evaluation.holds import hold_back
    from stream.jsonl import dumps_line, open_output
    from stream.progress import Progress

    deleted = _deletions(args, settings, holds)
    turns = hold_back(loaded, start, end, deleted, holds)

    base_events: list[dict] = []
    shadow_events: list[dict] = []
    progress = Progress("replay", total=len(loaded), enabled=not args.no_progress)
    sink = TopicSink(settings, args.output_topic_prefix) if args.output_topic_prefix else None
    stopper = _Stopper()
    with open_output(args.cases) as cases, open_output(args.scores) as scores, \
            open_output(args.dead_letter) as dead, open_output(args.shadow_cases) as shadow_cases:
        if dead is not None:
            for rec in stats.rejections:
                dead.write(dumps_line(rec))

        def on_base(eff):
            if eff.kind == "case":
                base_events.append(eff.payload)
            if sink is not None:
                sink(eff)

        lanes = [Lane(base, {"case": cases, "score": scores}, stats, on_base)]
        if shadow is not None:
            lanes.append(Lane(shadow, {"case": shadow_cases},
                              on_effect=lambda e: shadow_events.append(e.payload) if e.kind == "case" else None))
        try:
            with stopper:
                if processes is not None:
                    try:
                        replay_partitioned(processes, turns, lanes[0].sinks, stats, on_case=base_events.append,
                                           batch_size=args.batch_size, on_batch=progress.update, stop=stopper)
                    except WorkerFailed as exc:
                        raise SystemExit(f"riskstream replay: {exc}")
                else:
                    replay_lanes(lanes, turns, args.batch_size, on_batch=progress.update, stop=stopper)
        finally:
            progress.close()
            if sink is not None:
                sink.close()
    _report(stats, holds, args, len(loaded), sink)
    if shadow is not None:
        _write_diff(args, collapse(base_events), collapse(shadow_events), policy.zdr_tenants)
    if args.summary:
        print_summary(base_events)
    if stats.interrupted:
        return 130
    if stats.turns == 0:  # every record rejected, held back, or none at all: nothing was evaluated
        print(f"riskstream replay: no valid turn was replayed ({stats.rejected:,} rejected, "
              f"{holds.outside_range + holds.deleted_turns:,} held back)", file=sys.stderr)
        return 1
    return 0


class _Stopper:
    """Ctrl-C sets a flag; the replay stops after the current batch (a second Ctrl-C aborts at once)."""

    def __init__(self):
        self.stopped = False

    def __call__(self) -> bool:
        return self.stopped

    def _handle(self, signum, frame):
        self.stopped = True
        print("\nriskstream replay: stopping after the current batch (Ctrl-C again to abort)", file=sys.stderr)
        signal.signal(signal.SIGINT, self._previous)

    def __enter__(self):
        self._previous = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self._previous)


def _or_exit(fn, *a):
    try:
        return fn(*a)
    except ValueError as exc:
        raise SystemExit(f"riskstream replay: {exc}")


def _time_range(args, settings) -> tuple[float | None, float | None, float]:
    from stream.drivers.topic_source import parse_when
    from stream.evaluation.holds import check_retention

    now = time.time()
    if args.topic and not args.start:
        raise SystemExit("riskstream replay: --topic needs --from (RFC 3339 or a duration such as 7d)")
    start = _or_exit(parse_when, args.start, now) if args.start else None
    end = _or_exit(parse_when, args.end, now) if args.end else (now if args.topic else None)
    if start is not None and end is not None and end <= start:
        raise SystemExit(f"riskstream replay: --to ({args.end}) must be after --from ({args.start})")
    if start is not None:
        _or_exit(check_retention, start, now, settings.retention_days, args.archive)
    lateness = now - _or_exit(parse_when, args.lateness, now)
    return start, end, lateness


def _build_detectors(args, policy):
    """The current detector and, with --shadow, the candidate; they share scoring when the model is the same."""
    import stream.scoring as scoring
    from stream.cli.common import load_scorer, new_detector
    from stream.evaluation.shadow import BatchMemo, ThresholdScorer, load_shadow_config, shadow_policy

    scorer = load_scorer(args)
    if not args.shadow:
        return new_detector(scorer, policy), None
    cfg = _or_exit(load_shadow_config, args.shadow)
    memo = BatchMemo(scorer)
    alt = memo if cfg.models_dir is None else scoring.load_default_scorer(models_dir=cfg.models_dir)
    if cfg.thresholds:
        alt = ThresholdScorer(alt, cfg.thresholds)
    spolicy = _or_exit(shadow_policy, policy, cfg)
    return new_detector(memo, policy), new_detector(alt, spolicy)


def _load(args, settings, start, end, lateness, zdr):
    """Parsed, event-time-sorted turns from the file or topic, and stats holding the rejections."""
    from stream.drivers.replay import ReplayStats, load_turns
    from stream.drivers.topic_source import TopicMissing, read_topic
    from stream.jsonl import iter_lines, open_input
    from stream.progress import Progress

    stats = ReplayStats()
    if args.input:
        with open_input(args.input) as fin:
            return load_turns(iter_lines(fin), f"file:{args.input}", stats, zdr, sort_buffer=args.sort_buffer,
                              limits=settings.limits), stats
    progress = Progress("read", enabled=not args.no_progress)
    current = {"ts": 0.0}

    def records():
        for rec in read_topic(settings, args.topic, int(start * 1000), int(end * 1000), int(lateness * 1000),
                              on_record=progress.update):
            current["ts"] = rec.timestamp_ms / 1000
            yield rec.source(), rec.value

    try:
        turns = load_turns(records(), args.topic, stats, zdr, received_at=lambda _where: current["ts"],
                           sort_buffer=args.sort_buffer, limits=settings.limits)
    except (TopicMissing, TimeoutError) as exc:
        raise SystemExit(f"riskstream replay: {exc}")
    finally:
        progress.close()
    return turns, stats


def _deletions(args, settings, holds) -> dict[str, tuple[float, bool]]:
    """Deletion requests from --privacy-requests and, for topic replays, the privacy-requests topic."""
    from stream.drivers.topic_source import TopicMissing, read_topic
    from stream.evaluation.holds import load_deletions, merge_deletions
    from stream.jsonl import iter_lines, open_input

    deleted: dict[str, tuple[float, bool]] = {}
    if args.privacy_requests:
        with open_input(args.privacy_requests) as fh:
            deleted = load_deletions(((f"{args.privacy_requests}:{n}", raw) for n, raw in iter_lines(fh)), holds)
    if args.topic:
        topic = settings.topic("privacy-requests")
        try:
            merge_deletions(deleted, load_deletions(
                ((f"{topic}/{r.partition}@{r.offset}", r.value) for r in read_topic(settings, topic)), holds))
        except TopicMissing:
            if not args.privacy_requests:
                raise SystemExit(f"riskstream replay: privacy-requests topic {topic!r} does not exist, so deletions "
                                 f"cannot be honoured; pass --privacy-requests FILE (may be empty) to name their source")
    if holds.bad_requests:
        print(f"riskstream replay: {len(holds.bad_requests)} invalid privacy request(s) skipped; first: "
              + "; ".join(holds.bad_requests[:3]), file=sys.stderr)
    return deleted


def _write_diff(args, base_cases, shadow_cases, zdr) -> None:
    from stream.evaluation.diff import format_diff, shadow_diff
    from stream.jsonl import open_output

    diff = shadow_diff(base_cases, shadow_cases, args.match_window_hours * 3600, zdr)
    diff["shadow_config"] = args.shadow
    print(format_diff(diff), file=sys.stderr)
    if args.diff:
        import orjson

        with open_output(args.diff) as fh:
            fh.write(orjson.dumps(diff, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")


def _report(stats, holds, args, total: int, sink) -> None:
    out = sys.stderr
    rate = stats.turns / stats.seconds if stats.seconds > 0 else 0.0
    print(f"replayed {stats.turns:,} turns from {len(stats.users):,} users in {stats.seconds:.1f}s ({rate:,.0f} turns/s): "
          f"{stats.flagged_turns:,} flagged turns, {stats.cases_opened:,} cases opened, "
          f"{stats.case_updates:,} case updates", file=out)
    if holds.outside_range or holds.deleted_turns:
        print(f"held back: {holds.outside_range:,} turn(s) outside the time range, {holds.deleted_turns:,} turn(s) of "
              f"{len(holds.deleted_users):,} deleted user(s) ({holds.requests:,} deletion request(s) read)", file=out)
    if sink is not None:
        print(f"produced {sink.sent:,} record(s) to {', '.join(sorted(sink.topics.values()))}", file=out)
    if stats.rejected:
        where = f"written to {args.dead_letter}" if args.dead_letter else "not written (use --dead-letter FILE)"
        print(f"rejected {stats.rejected:,} input record(s), {where}; first: " +
              "; ".join(f"{_where(r['source'])}: {r['reason']}" for r in stats.rejections[:3]), file=out)
    if stats.interrupted:
        print(f"interrupted: {stats.turns:,} of {total:,} turns read were replayed; outputs hold complete lines for those turns",
              file=out)


def _where(source: dict) -> str:
    if "line" in source:
        return f"line {source['line']}"
    if "partition" in source:
        return f"partition {source['partition']} offset {source.get('offset')}"
    return source["topic"]  # a turn that failed while being replayed


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
