"""`riskstream worker`: the Faust stream worker (consumes turns, produces scores and cases)."""

from __future__ import annotations


def register(sub) -> None:
    from stream.cli.common import add_policy_args
    from stream.config import add_kafka_args

    p = sub.add_parser("worker", help="run the Kafka stream worker (Faust)", description=__doc__)
    add_kafka_args(p)
    p.add_argument("--store", choices=["rocksdb", "memory"], help="table store (env RISKSTREAM_STORE, default rocksdb)")
    p.add_argument("--data-dir", help="local table state (env RISKSTREAM_DATA_DIR, default .riskstream-data)")
    p.add_argument("--partitions", type=int, help="partitions of the topics the app creates (default 6)")
    p.add_argument("--retention-days", type=float, help="retention of every topic and window (max 30, default 30)")
    p.add_argument("--app-id", help="Faust app id / consumer group (default riskstream)")
    p.add_argument("--batch-size", type=int, help="turns per scoring batch (default 64)")
    p.add_argument("--loglevel", default="info", choices=["debug", "info", "warning", "error"])
    add_policy_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from dataclasses import replace

    import faust

    from stream.cli.common import build_detector, config_error
    from stream.config import settings_from
    from stream.drivers.faust_app import create_app
    from stream.topics import bound_internal_topics, ensure_topics

    try:
        settings = settings_from(args)
    except ValueError as exc:
        config_error(str(exc), "worker")
    detector = build_detector(args)
    if detector.config.retention_days > settings.retention_days:
        detector.config = replace(detector.config, retention_days=settings.retention_days)
    ensure_topics(settings)
    bound_internal_topics(settings)
    app = create_app(settings, detector)
    worker = faust.Worker(app, loglevel=args.loglevel)
    worker.execute_from_commandline()
    return 0
