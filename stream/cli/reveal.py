"""`riskstream reveal`: show the full text of one evidence turn of a case, for an authorised role, audited.

Every attempt, allowed or denied, is written to the audit topic before anything is shown; if the
audit record cannot be written, nothing is shown. Roles come from config/roles.json. The role
is taken as given: in production, run this behind the reviewer tool's authentication and give
only its Kafka principal read access to the turns topic.
"""

from __future__ import annotations

import os
import sys
import time


def register(sub) -> None:
    from stream.config import add_kafka_args

    p = sub.add_parser("reveal", help="audited reveal of an evidence turn's full text (authorised roles only)",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--case-file", metavar="FILE", help="the case payload (JSON, or JSONL of case events: the last "
                   "event of --case-id, else the last line)")
    p.add_argument("--case-id", metavar="ID", help="without --case-file: look the case up on the review-cases topic "
                   "(a full scan)")
    p.add_argument("--event-id", required=True, metavar="E", help="the evidence turn to reveal")
    p.add_argument("--role", required=True, help="reviewer role (config/roles.json)")
    p.add_argument("--reviewer", required=True, metavar="ID", help="who is asking (recorded in the audit)")
    p.add_argument("--reason", required=True, help="why the full text is needed (recorded in the audit)")
    p.add_argument("--roles", metavar="FILE", help="role table (default config/roles.json)")
    p.add_argument("--margin", type=float, default=3600.0, metavar="S",
                   help="search the turns topic this many seconds around the evidence time (default 3600)")
    p.add_argument("--zdr-tenants", metavar="IDS", default=os.environ.get("RISKSTREAM_ZDR_TENANTS", ""),
                   help="comma-separated zero-data-retention tenants: never revealed (env RISKSTREAM_ZDR_TENANTS)")
    add_kafka_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import orjson

    from stream.config import settings_from
    from stream.core.audit import audit_record
    from stream.resources import ConfigError, load_roles
    from stream.drivers.topic_source import TopicMissing
    from stream.review.reveal import Verdict, authorize, evidence_of, fetch_case, fetch_turn

    if len(args.reason.strip()) < 10:
        raise SystemExit("riskstream reveal: --reason must say why the full text is needed (10+ characters)")
    try:
        settings = settings_from(args)
        roles = load_roles(args.roles)
    except (ValueError, ConfigError) as exc:
        raise SystemExit(f"riskstream reveal: {exc}")
    if not (args.case_file or args.case_id):
        raise SystemExit("riskstream reveal: name the case with --case-file FILE or --case-id ID")
    zdr = frozenset(t.strip() for t in args.zdr_tenants.split(",") if t.strip())
    details: dict = {}
    try:
        case = _case_from_file(args.case_file, args.case_id) if args.case_file else fetch_case(settings, args.case_id)
    except (TopicMissing, TimeoutError) as exc:
        case, details["error"] = None, str(exc)
    case_id = (case or {}).get("case_id", args.case_id)
    if case is None:
        verdict = Verdict(False, f"case {args.case_id!r} not found")
    else:
        verdict = authorize(args.role, case, args.event_id, roles, zdr)
    turn = None
    details["rule"] = verdict.why
    if verdict.allowed:
        try:
            turn = fetch_turn(settings, evidence_of(case, args.event_id), args.margin)
        except (TopicMissing, TimeoutError) as exc:
            details["error"] = str(exc)
        details["found"] = turn is not None
    target = {"case_id": case_id, "event_id": args.event_id, "user_id": (case or {}).get("user_id")}
    record = audit_record(args.reviewer, args.role, "reveal", target, "allowed" if verdict.allowed else "denied",
                          args.reason, time.time(), details)
    _write_audit(settings, record)
    if not verdict.allowed:
        print(f"riskstream reveal: denied: {verdict.why} (audit {record['audit_id']})", file=sys.stderr)
        return 3
    if turn is None:
        print(f"riskstream reveal: turn {args.event_id!r} not found on {settings.topic('turns')} within "
              f"{args.margin:g}s of its event time (expired by retention?) (audit {record['audit_id']})", file=sys.stderr)
        return 1
    out = {k: turn.get(k) for k in ("event_id", "user_id", "conversation_id", "turn_index", "role", "ts", "text")}
    sys.stdout.buffer.write(orjson.dumps({"case_id": case_id, "audit_id": record["audit_id"], **out}) + b"\n")
    return 0


def _case_from_file(path: str, case_id: str | None) -> dict:
    """A case payload from a JSON file or the last matching line of a JSONL file."""
    import orjson

    from stream.jsonl import iter_lines, open_input
    from stream.review.reveal import latest_case

    with open_input(path) as fh:
        lines = [line for _, line in iter_lines(fh)]
    try:
        whole = orjson.loads(b"\n".join(lines))
        if isinstance(whole, dict):
            return whole
    except orjson.JSONDecodeError:
        pass
    if case_id is None:
        try:
            case_id = orjson.loads(lines[-1]).get("case_id") if lines else None
        except (orjson.JSONDecodeError, AttributeError):
            case_id = None
    found = latest_case(lines, case_id) if case_id else None
    if found is None:
        raise SystemExit(f"riskstream reveal: no case payload in {path}")
    return found


def _write_audit(settings, record: dict) -> None:
    """Produce and wait for the broker's ack: an unaudited reveal must not happen."""
    import orjson
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    from stream.kafka_clients import open_client

    producer = open_client(KafkaProducer, settings, "reveal", acks="all")
    try:
        key = (record["target"].get("case_id") or "").encode() or None
        producer.send(settings.topic("audit"), key=key, value=orjson.dumps(record)).get(timeout=30)
    except KafkaError as exc:
        raise SystemExit(f"riskstream reveal: could not write the audit record, nothing revealed: {exc}")
    finally:
        producer.close()
