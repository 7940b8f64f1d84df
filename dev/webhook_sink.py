"""A webhook receiver for demos and tests: verifies Standard Webhooks signatures, prints each alert.

What a real receiver should do, in 40 lines: reject a body whose signature or timestamp does not
verify (401: tampered or replayed), de-duplicate on webhook-id, answer 2xx fast. docker-compose
runs it as `webhook-sink`; `riskstream alerts --webhook http://webhook-sink:8090/alerts` feeds it.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def make_server(host: str, port: int, secret: str, out=sys.stdout) -> ThreadingHTTPServer:
    verifier = Webhook(secret if secret.startswith("whsec_") else secret.encode())
    seen: set[str] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self._answer(200 if self.path == "/healthz" else 404)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                verifier.verify(body, dict(self.headers.items()))
            except WebhookVerificationError as exc:
                print(f"webhook sink: rejected ({exc})", file=sys.stderr, flush=True)
                return self._answer(401)
            with lock:
                duplicate = self.headers["webhook-id"] in seen
                seen.add(self.headers["webhook-id"])
            if not duplicate:
                out.write(body.decode() + "\n")
                out.flush()
            self._answer(204)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090)
    p.add_argument("--secret-env", default="RISKSTREAM_WEBHOOK_SECRET")
    args = p.parse_args(argv)
    secret = os.environ.get(args.secret_env)
    if not secret:
        raise SystemExit(f"webhook sink: set ${args.secret_env}")
    server = make_server(args.host, args.port, secret)
    print(f"webhook sink: listening on http://{args.host}:{server.server_port}/", file=sys.stderr, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
