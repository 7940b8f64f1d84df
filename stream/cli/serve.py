"""`riskstream serve`: an HTTP moderation endpoint, POST /v1/moderations (OpenAI-compatible shape).

Same classifiers and scores as `riskstream score`; texts of concurrent requests are scored in
shared batches. Optional bearer token; size limits answered with clear 4xx errors.
"""

from __future__ import annotations

import os


def register(sub) -> None:
    from stream.cli.common import add_models_arg
    from stream.ops.logs import add_metrics_args

    p = sub.add_parser("serve", help="HTTP moderation endpoint compatible with OpenAI's POST /v1/moderations",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default=os.environ.get("RISKSTREAM_SERVE_HOST", "127.0.0.1"),
                   help="address to bind (env RISKSTREAM_SERVE_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, default=int(os.environ.get("RISKSTREAM_SERVE_PORT", "8080")),
                   help="port (env RISKSTREAM_SERVE_PORT, default 8080; 0 = any free port)")
    p.add_argument("--token-env", default="RISKSTREAM_SERVE_TOKEN", metavar="VAR",
                   help="environment variable holding the bearer token; when it is set, requests need "
                        "'Authorization: Bearer <token>' (default RISKSTREAM_SERVE_TOKEN)")
    p.add_argument("--max-batch", type=int, default=64, metavar="N", help="texts per scoring batch (default 64)")
    p.add_argument("--batch-wait-ms", type=float, default=5.0, metavar="MS",
                   help="how long the first waiting request waits for others to share its batch (default 5)")
    p.add_argument("--max-inputs", type=int, default=256, metavar="N", help="texts per request (default 256)")
    p.add_argument("--max-chars", type=int, default=32_000, metavar="N", help="characters per text (default 32000)")
    p.add_argument("--max-body-bytes", type=int, default=4 * 1024 * 1024, metavar="N",
                   help="request body size limit (default 4 MiB)")
    add_models_arg(p)
    add_metrics_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import asyncio

    asyncio.run(_serve(args))
    return 0


async def _serve(args) -> None:
    import asyncio
    import logging
    import signal

    from aiohttp import web

    from stream.cli.common import load_scorer
    from stream.ops.http import start_ops_server
    from stream.ops.logs import setup_logging
    from stream.ops.metrics import TimedScorer, set_build_info
    from stream.serve.app import Limits, create_app
    from stream.serve.batcher import MicroBatcher

    setup_logging(args.log_format, args.loglevel)
    log = logging.getLogger("riskstream.serve")
    scorer = TimedScorer(load_scorer(args))
    token = os.environ.get(args.token_env) or None
    state = {"listening": False}
    ops = start_ops_server(args.metrics_port, lambda: (state["listening"], {"model": scorer.version}),
                           args.metrics_host)
    info = set_build_info("serve", scorer.version)
    batcher = MicroBatcher(scorer.score_batch, args.max_batch, args.batch_wait_ms / 1000)
    limits = Limits(args.max_inputs, args.max_chars, args.max_body_bytes)
    runner = web.AppRunner(create_app(batcher, scorer.version, limits, token), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    state["listening"] = True
    log.info("riskstream serve listening on http://%s:%d/v1/moderations (model %s, auth %s)", args.host, port,
             info["model_version"], "bearer token" if token else "none",
             extra={"event": "startup", "port": port, "metrics_port": ops.port if ops else None, **info})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    state["listening"] = False
    log.info("riskstream serve stopping", extra={"event": "shutdown"})
    await runner.cleanup()
    if ops:
        ops.close()
