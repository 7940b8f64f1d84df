"""`riskstream worker`: the Faust stream worker (consumes turns, produces scores and cases)."""

from __future__ import annotations


def register(sub) -> None:
    from stream.cli.common import add_models_arg, add_policy_args
    from stream.config import add_kafka_args
    from stream.ops.logs import add_metrics_args

    p = sub.add_parser("worker", help="run the Kafka stream worker (Faust)", description=__doc__)
    add_kafka_args(p)
    p.add_argument("--store", choices=["rocksdb", "memory"], help="table store (env RISKSTREAM_STORE, default rocksdb)")
    p.add_argument("--data-dir", help="local table state (env RISKSTREAM_DATA_DIR, default .riskstream-data)")
    p.add_argument("--partitions", type=int, help="partitions of the topics the app creates (default 6)")
    p.add_argument("--replication", type=int, help="replication factor of the topics the app creates (env "
                   "RISKSTREAM_REPLICATION; default 3, or the broker count when the cluster has fewer)")
    p.add_argument("--retention-days", type=float, help="retention of every topic and window (max 30, default 30)")
    p.add_argument("--app-id", help="Faust app id / consumer group (default riskstream)")
    p.add_argument("--batch-size", type=int, help="turns per scoring batch (default 64)")
    add_models_arg(p)
    add_metrics_args(p)
    add_policy_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from dataclasses import replace

    import faust

    from stream.cli.common import build_detector, config_error
    from stream.config import settings_from
    from stream.drivers.faust_app import create_app
    from stream.drivers.faust_ops import alive
    from stream.ops.http import start_ops_server
    from stream.ops.logs import logging_config, setup_logging
    from stream.ops.metrics import TimedScorer, set_build_info
    from stream.topics import bound_internal_topics, ensure_topics, with_replication

    setup_logging(args.log_format, args.loglevel)  # Faust re-applies the same config when it starts
    try:
        settings = settings_from(args)
    except ValueError as exc:
        config_error(str(exc), "worker")
    detector = build_detector(args, wrap=TimedScorer)
    getattr(detector.scorer, "warm_up", lambda: None)()  # a worker runs long: load lazily loaded models now
    if detector.config.retention_days > settings.retention_days:
        detector.config = replace(detector.config, retention_days=settings.retention_days)
    set_build_info("worker", detector.model_version, detector.config.version)
    settings = with_replication(settings)
    ensure_topics(settings)
    bound_internal_topics(settings)
    app = create_app(settings, detector)
    state = app.ops_state
    ops = start_ops_server(args.metrics_port, lambda: (state["ready"], {k: v for k, v in state.items() if k != "ready"}),
                           args.metrics_host, alive=lambda: alive(state))
    worker = faust.Worker(app, loglevel=args.loglevel, logging_config=logging_config(args.log_format, args.loglevel))
    try:
        worker.execute_from_commandline()
    finally:
        if ops:
            ops.close()
    return 0
