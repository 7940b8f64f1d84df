"""Logging for the long-running commands: plain text or one JSON object per line (--log-format json).

JSON lines carry `ts`, `level`, `logger`, `message` and any `extra={...}` fields, so a log
pipeline can filter on e.g. `event == "progress"` without parsing prose.
"""

from __future__ import annotations

import logging
import os
import time

import orjson

_STD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
               "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        out.update({k: v for k, v in vars(record).items() if k not in _STD and not k.startswith("_")})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


TEXT_FORMAT = "[%(asctime)s] [%(levelname)s] %(name)s: %(message)s"


def add_log_args(parser) -> None:
    parser.add_argument("--log-format", choices=["text", "json"], default=os.environ.get("RISKSTREAM_LOG_FORMAT", "text"),
                        help="log lines as text or one JSON object each (env RISKSTREAM_LOG_FORMAT, default text)")
    parser.add_argument("--loglevel", default="info", choices=["debug", "info", "warning", "error"])


def logging_config(fmt: str, level: str = "info") -> dict:
    """A `logging.config.dictConfig` mapping (Faust's Worker takes it as `logging_config`)."""
    formatter = {"()": JsonFormatter} if fmt == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"riskstream": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "riskstream", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
    }


def setup_logging(fmt: str, level: str = "info") -> None:
    import logging.config

    logging.config.dictConfig(logging_config(fmt, level))


def add_metrics_args(parser) -> None:
    env = os.environ.get("RISKSTREAM_METRICS_PORT")
    parser.add_argument("--metrics-port", type=int, default=int(env) if env else None, metavar="PORT",
                        help="serve /metrics, /healthz, /readyz on this port (env RISKSTREAM_METRICS_PORT; "
                             "0 = any free port; off by default)")
    parser.add_argument("--metrics-host", default=os.environ.get("RISKSTREAM_METRICS_HOST", "127.0.0.1"),
                        help="address of that endpoint (env RISKSTREAM_METRICS_HOST, default 127.0.0.1)")
    add_log_args(parser)
