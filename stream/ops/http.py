"""The operations endpoint: GET /metrics (Prometheus text), /healthz (alive), /readyz (ready).

A small WSGI server in a daemon thread, so every command gets the same endpoint whatever its
own loop is (Faust's asyncio loop, the alerts poll loop, the serve ASGI-style server).
"""

from __future__ import annotations

import logging
import threading
from typing import Callable
from wsgiref.simple_server import WSGIRequestHandler, make_server

import orjson
from prometheus_client import make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from stream.ops.metrics import REGISTRY

log = logging.getLogger("riskstream.ops")
Readiness = Callable[[], tuple[bool, dict]]  # -> (ready, details shown in the /readyz body)
Liveness = Callable[[], tuple[bool, dict]]  # -> (alive, details shown in the /healthz body)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # scrapes every few seconds would drown the logs
        pass


def _always_alive() -> tuple[bool, dict]:
    return True, {}


def ops_app(ready: Readiness, alive: Liveness = _always_alive):
    """`alive` false means the process should be restarted (a liveness probe); `ready` false means
    it should get no traffic for now (a readiness probe: starting, rebalancing, recovering)."""
    metrics = make_wsgi_app(REGISTRY)

    def probe(check, yes: str, no: str, start_response):
        try:
            ok, details = check()
        except Exception as exc:  # a probe must answer, not crash the endpoint
            ok, details = False, {"error": str(exc)}
        return _json(start_response, 200 if ok else 503, {"status": yes if ok else no, **details})

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return probe(alive, "alive", "stalled", start_response)
        if path == "/readyz":
            return probe(ready, "ready", "not ready", start_response)
        if path == "/metrics":
            return metrics(environ, start_response)
        return _json(start_response, 404, {"error": "not found; try /metrics, /healthz, /readyz"})

    return app


def _json(start_response, status: int, body: dict):
    data = orjson.dumps(body)
    reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class OpsServer:
    def __init__(self, port: int, ready: Readiness, host: str = "127.0.0.1", alive: Liveness = _always_alive):
        self.server = make_server(host, port, ops_app(ready, alive), ThreadingWSGIServer, handler_class=_Quiet)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, name="riskstream-ops", daemon=True)

    def start(self) -> "OpsServer":
        self.thread.start()
        log.info("metrics and health on http://%s:%d (/metrics, /healthz, /readyz)",
                 self.server.server_address[0], self.port)
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_ops_server(port: int | None, ready: Readiness, host: str = "127.0.0.1",
                     alive: Liveness = _always_alive) -> OpsServer | None:
    """Start the endpoint when a port is configured (0 = any free port); None otherwise."""
    if port is None:
        return None
    return OpsServer(port, ready, host, alive).start()
