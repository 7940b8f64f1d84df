"""`riskstream reveal`: show the full text of one evidence turn of a case, for an authorised role, audited.

Every attempt, allowed or denied, is written to the audit topic before anything is shown; if the
audit record cannot be written, nothing is shown. The case is read from the review-cases topic and
the roles from the deployment's config/roles.json: neither can be supplied by the caller. The
role is taken as given: in production, run this behind the reviewer tool's authentication and
give only its Kafka principal read access to the turns topic.
"""

from __future__ import annotations

import os
import sys
import time


def register(sub) -> None:
    from stream.config import add_kafka_args

    p = sub.add_parser("reveal", help="audited reveal of an evidence turn's full text (authorised roles only)",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--case-id", required=True, metavar="ID", help="the case, as written on the review-cases topic")
    p.add_argument("--event-id", required=True, metavar="E", help="the evidence turn to reveal")
    p.add_argument("--role", required=True, help="reviewer role (config/roles.json)")
    p.add_argument("--reviewer", required=True, metavar="ID", help="who is asking (recorded in the audit)")
    p.add_argument("--reason", required=True, help="why the full text is needed (recorded in the audit)")
    p.add_argument("--margin", type=float, default=3600.0, metavar="S",
                   help="search the turns topic this many seconds around the evidence time first, then all of "
                   "it (default 3600)")
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
        roles = load_roles()  # the deployment's table only
    except (ValueError, ConfigError) as exc:
        raise SystemExit(f"riskstream reveal: {exc}")
    zdr = frozenset(t.strip() for t in args.zdr_tenants.split(",") if t.strip())
    details: dict = {}
    try:
        case = fetch_case(settings, args.case_id)
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
        print(f"riskstream reveal: turn {args.event_id!r} not found on {settings.topic('turns')} "
              f"(expired by retention?) (audit {record['audit_id']})", file=sys.stderr)
        return 1
    out = {k: turn.get(k) for k in ("event_id", "user_id", "conversation_id", "turn_index", "role", "ts", "text")}
    sys.stdout.buffer.write(orjson.dumps({"case_id": case_id, "audit_id": record["audit_id"], **out}) + b"\n")
    return 0


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
