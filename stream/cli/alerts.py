"""`riskstream alerts`: tail the review (and enforcement) topics and deliver each record.

At-least-once: offsets are committed in the subscriber's own consumer group only after delivery
or parking. Webhook bodies are signed per Standard Webhooks (webhook-id, webhook-timestamp,
webhook-signature) and retried with jittered backoff honouring Retry-After; an alert that cannot be
delivered is parked on <prefix>alerts-dead-letter with the reason, and delivery goes on.
"""

from __future__ import annotations

import os
import sys


def register(sub) -> None:
    from stream.cli.common import add_models_arg
    from stream.config import add_kafka_args
    from stream.ops.logs import add_metrics_args

    p = sub.add_parser("alerts", help="deliver review cases / enforcement actions to stdout, a file or a webhook",
                       description=__doc__.split("\n\n")[0])
    add_kafka_args(p)
    p.add_argument("--topics", default="review-cases",
                   help="comma-separated logical topics: review-cases, enforcement-actions, support-events, "
                        "alerts-dead-letter (re-drives parked alerts) (default review-cases)")
    p.add_argument("--group", default="riskstream-alerts", help="consumer group for this subscriber's offsets")
    p.add_argument("--output", default="-", metavar="FILE",
                   help="JSONL destination, appended to; '-' = stdout (default)")
    p.add_argument("--webhook", metavar="URL", help="POST each record here instead of writing JSONL")
    p.add_argument("--secret-env", default="RISKSTREAM_WEBHOOK_SECRET", metavar="VAR",
                   help="environment variable holding the signing secret, 'whsec_<base64>' or any string "
                        "(default RISKSTREAM_WEBHOOK_SECRET)")
    p.add_argument("--attempts", type=int, default=8, help="webhook attempts per alert before it is parked (default 8)")
    p.add_argument("--backoff", type=float, default=1.0, metavar="S",
                   help="first retry delay in seconds, doubled per attempt, with jitter (default 1)")
    p.add_argument("--max-backoff", type=float, default=60.0, metavar="S", help="retry delay cap (default 60)")
    p.add_argument("--max-retry-after", type=float, default=300.0, metavar="S",
                   help="longest Retry-After honoured; a longer one parks the alert (default 300)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S", help="per-request timeout (default 10)")
    p.add_argument("--concurrency", type=int, default=4, metavar="N", help="deliveries in flight at once (default 4)")
    p.add_argument("--max-priority", type=int, metavar="N", help="only records with priority <= N (1 = most urgent)")
    p.add_argument("--min-confidence", metavar="P",
                   help="only cases whose confidence is at least P: a number (0-1), or a share of benign people "
                        "('5%%') read off the case confidence model's cuts in --models-dir; records without a "
                        "confidence pass")
    add_models_arg(p)
    p.add_argument("--category", action="append", default=[], metavar="CAT",
                   help="only records in this category (repeatable; a parent matches its sub-categories)")
    p.add_argument("--from-beginning", action="store_true", help="a new group starts at the earliest offset")
    p.add_argument("--idle-exit", type=float, metavar="S", help="exit after S seconds with no records (batch runs)")
    add_metrics_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.errors import KafkaError

    from stream.alerts.filters import AlertFilter
    import logging

    from stream.alerts.parking import PARKED_TOPIC, Parker, redacted_url
    from stream.alerts.sinks import StreamSink, Undeliverable, WebhookSink
    from stream.alerts.subscriber import Delivery, Tally, run_subscriber
    from stream.config import settings_from
    from stream.kafka_clients import open_client
    from stream.ops.http import start_ops_server
    from stream.ops.logs import setup_logging
    from stream.ops.metrics import set_build_info
    from stream.topics import ensure_topics

    setup_logging(args.log_format, args.loglevel)
    try:
        settings = settings_from(args)
        topics = [settings.topic(t.strip()) for t in args.topics.split(",") if t.strip()]
        flt = AlertFilter.build(args.max_priority, args.category, min_confidence(args.min_confidence, args.models_dir))
    except (KeyError, ValueError) as exc:
        raise SystemExit(f"riskstream alerts: {exc.args[0] if exc.args else exc}")
    out = producer = parker = None
    if args.webhook:
        secret = os.environ.get(args.secret_env, "")
        if not secret:
            raise SystemExit(f"riskstream alerts: --webhook needs the signing secret in ${args.secret_env}")
        sink = WebhookSink(args.webhook, secret, attempts=args.attempts, backoff_s=args.backoff,
                           max_backoff_s=args.max_backoff, max_retry_after_s=args.max_retry_after,
                           timeout_s=args.timeout)
        ensure_topics(settings, [PARKED_TOPIC])
        producer = open_client(KafkaProducer, settings, "alerts", acks="all")
        parker = Parker(producer, settings.topic(PARKED_TOPIC), args.webhook)
    elif args.output == "-":
        sink = StreamSink(sys.stdout.buffer)
    else:
        from pathlib import Path

        from stream.jsonl import check_output_dir

        check_output_dir(Path(args.output))
        out = open(args.output, "ab")  # a restarted subscriber must not erase earlier alerts
        sink = StreamSink(out)
    # one poll's deliveries may retry for this long; the group must not evict us meanwhile
    worst_s = args.attempts * args.timeout + (args.attempts - 1) * (max(args.max_backoff, args.max_retry_after) + args.backoff)
    consumer = open_client(KafkaConsumer, settings, "alerts", group_id=args.group, enable_auto_commit=False,
                           auto_offset_reset="earliest" if args.from_beginning else "latest",
                           max_poll_interval_ms=int((worst_s + 60) * 1000))
    consumer.subscribe(topics)
    info = set_build_info("alerts", "", "")
    destination = redacted_url(args.webhook) if args.webhook else args.output
    logging.getLogger("riskstream.alerts").info(
        "riskstream alerts starting: %s -> %s (group %s)", ", ".join(topics), destination, args.group,
        extra={"event": "startup", **info, "topics": topics, "destination": destination, "group": args.group,
               "concurrency": args.concurrency if args.webhook else 1})
    tally = Tally()  # the poll loop updates it; the ops thread only reads it
    ops = start_ops_server(args.metrics_port, lambda: (tally.assigned > 0, {"assigned": tally.assigned}),
                           args.metrics_host)
    try:
        concurrency = args.concurrency if args.webhook else 1  # JSONL is written in offset order
        run_subscriber(consumer, Delivery(sink, flt, parker, settings.topic(PARKED_TOPIC)), concurrency,
                       args.idle_exit, tally, max_records=None if args.webhook else 500)
    except (Undeliverable, KafkaError) as exc:  # e.g. the parking topic is unreachable
        print(f"riskstream alerts: {exc}; its offset is not committed, it will be re-delivered", file=sys.stderr)
        return 1
    finally:
        consumer.close(autocommit=False)
        if producer is not None:
            producer.close()
        if out is not None:
            out.close()
        if ops:
            ops.close()
    print(f"riskstream alerts: delivered {tally.delivered} record(s), parked {tally.parked}, "
          f"filtered out {tally.skipped}", file=sys.stderr)
    return 0


def min_confidence(value: str | None, models_dir: str | None = None) -> float | None:
    """--min-confidence as a number: itself, or the cut of the case confidence model (in `models_dir`, else
    the default models) for a share of benign people ("5%"), so the filter follows the model."""
    if value is None:
        return None
    if not value.strip().endswith("%"):
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"--min-confidence must be a number between 0 and 1 or a whole percentage of benign "
                             f"people like 5%, got {value!r}") from None
    from stream.core.confidence import CaseConfidence, cut_name
    from stream.scoring.cascade import default_models_dir

    if cut_name(value) is None:
        raise ValueError(f"--min-confidence must be a number between 0 and 1 or a whole percentage of benign people "
                         f"like 5%, got {value!r}")
    models = models_dir or default_models_dir()
    model = CaseConfidence.load(models)
    if model is None:
        raise ValueError(f"--min-confidence {value} names a cut of the case confidence model, but {models} has none")
    return model.floor(value, "--min-confidence")
