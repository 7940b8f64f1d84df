"""`riskstream alerts`: tail the review (and enforcement) topics and deliver each record.

At-least-once: offsets are committed in the subscriber's own consumer group only after delivery,
so a crash re-delivers rather than drops. Webhook bodies are signed with HMAC-SHA256.
"""

from __future__ import annotations

import os
import sys


def register(sub) -> None:
    from stream.config import add_kafka_args

    p = sub.add_parser("alerts", help="deliver review cases / enforcement actions to stdout, a file or a webhook",
                       description=__doc__.split("\n\n")[0])
    add_kafka_args(p)
    p.add_argument("--topics", default="review-cases",
                   help="comma-separated logical topics: review-cases, enforcement-actions, ... (default review-cases)")
    p.add_argument("--group", default="riskstream-alerts", help="consumer group for this subscriber's offsets")
    p.add_argument("--output", default="-", metavar="FILE", help="JSONL destination, '-' = stdout (default)")
    p.add_argument("--webhook", metavar="URL", help="POST each record here instead of writing JSONL")
    p.add_argument("--secret-env", default="RISKSTREAM_WEBHOOK_SECRET", metavar="VAR",
                   help="environment variable holding the HMAC secret (default RISKSTREAM_WEBHOOK_SECRET)")
    p.add_argument("--attempts", type=int, default=6, help="webhook attempts per record (default 6)")
    p.add_argument("--max-priority", type=int, metavar="N", help="only records with priority <= N (1 = most urgent)")
    p.add_argument("--category", action="append", default=[], metavar="CAT",
                   help="only records in this category (repeatable; a parent matches its sub-categories)")
    p.add_argument("--from-beginning", action="store_true", help="a new group starts at the earliest offset")
    p.add_argument("--idle-exit", type=float, metavar="S", help="exit after S seconds with no records (batch runs)")
    p.set_defaults(func=run)


def run(args) -> int:
    from kafka import KafkaConsumer

    from stream.alerts.filters import AlertFilter
    from stream.alerts.sinks import DeliveryError, StreamSink, WebhookSink
    from stream.config import settings_from
    from stream.jsonl import open_output

    settings = settings_from(args)
    topics = [settings.topic(t.strip()) for t in args.topics.split(",") if t.strip()]
    flt = AlertFilter(args.max_priority, frozenset(args.category))
    consumer = KafkaConsumer(*topics, bootstrap_servers=settings.broker.split(","), group_id=args.group,
                             enable_auto_commit=False,
                             auto_offset_reset="earliest" if args.from_beginning else "latest",
                             **settings.security.kafka_python())
    delivered = 0
    idle_ms = int(args.idle_exit * 1000) if args.idle_exit else None
    with open_output(None if args.webhook else args.output) as fh:
        if args.webhook:
            secret = os.environ.get(args.secret_env, "").encode() or None
            sink = WebhookSink(args.webhook, secret, attempts=args.attempts)
        else:
            sink = StreamSink(fh)
        try:
            idle = 0
            while True:
                batch = consumer.poll(timeout_ms=500)
                if not batch:
                    idle += 500
                    if idle_ms is not None and idle >= idle_ms:
                        break
                    continue
                idle = 0
                for tp, messages in batch.items():
                    for msg in messages:
                        record = _decode(msg.value)
                        if record is not None and flt.accepts(record):
                            sink.deliver(msg.value, msg.topic)
                            delivered += 1
                consumer.commit()  # only after every record of the poll was delivered
        except DeliveryError as exc:
            print(f"riskstream alerts: {exc}; offsets not committed, records will be re-delivered", file=sys.stderr)
            return 1
        finally:
            consumer.close(autocommit=False)
    print(f"riskstream alerts: delivered {delivered} record(s)", file=sys.stderr)
    return 0


def _decode(value: bytes) -> dict | None:
    import orjson

    try:
        obj = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None
