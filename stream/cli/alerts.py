"""`riskstream alerts`: tail the review (and enforcement) topics and deliver each record.

At-least-once: offsets are committed in the subscriber's own consumer group only after delivery,
so a crash or a refused delivery re-delivers rather than drops. Webhook bodies are signed with
HMAC-SHA256 and retried with exponential backoff.
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
    p.add_argument("--output", default="-", metavar="FILE",
                   help="JSONL destination, appended to; '-' = stdout (default)")
    p.add_argument("--webhook", metavar="URL", help="POST each record here instead of writing JSONL")
    p.add_argument("--secret-env", default="RISKSTREAM_WEBHOOK_SECRET", metavar="VAR",
                   help="environment variable holding the HMAC secret (default RISKSTREAM_WEBHOOK_SECRET)")
    p.add_argument("--attempts", type=int, default=6, help="webhook attempts per record (default 6)")
    p.add_argument("--backoff", type=float, default=0.5, metavar="S",
                   help="first retry delay in seconds, doubled per attempt (default 0.5)")
    p.add_argument("--max-backoff", type=float, default=30.0, metavar="S", help="retry delay cap (default 30)")
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
    from stream.alerts.subscriber import run_subscriber
    from stream.config import settings_from
    from stream.kafka_clients import open_client

    try:
        settings = settings_from(args)
        topics = [settings.topic(t.strip()) for t in args.topics.split(",") if t.strip()]
        flt = AlertFilter.build(args.max_priority, args.category)
    except (KeyError, ValueError) as exc:
        raise SystemExit(f"riskstream alerts: {exc.args[0] if exc.args else exc}")
    if args.webhook:
        secret = os.environ.get(args.secret_env, "").encode()
        if not secret:
            raise SystemExit(f"riskstream alerts: --webhook needs the HMAC secret in ${args.secret_env}")
        sink = WebhookSink(args.webhook, secret, attempts=args.attempts, backoff_s=args.backoff,
                           max_backoff_s=args.max_backoff)
        out = None
    elif args.output == "-":
        out, sink = None, StreamSink(sys.stdout.buffer)
    else:
        out = open(args.output, "ab")  # a restarted subscriber must not erase earlier alerts
        sink = StreamSink(out)
    consumer = open_client(KafkaConsumer, settings, "alerts", group_id=args.group, enable_auto_commit=False,
                           auto_offset_reset="earliest" if args.from_beginning else "latest")
    consumer.subscribe(topics)
    try:
        delivered, skipped = run_subscriber(consumer, sink, flt, args.idle_exit)
    except DeliveryError as exc:
        print(f"riskstream alerts: {exc}; its offset is not committed, it will be re-delivered", file=sys.stderr)
        return 1
    finally:
        consumer.close(autocommit=False)
        if out is not None:
            out.close()
    print(f"riskstream alerts: delivered {delivered} record(s), filtered out {skipped}", file=sys.stderr)
    return 0
