"""POST /v1/moderations over aiohttp, in the shape of OpenAI's moderation API.

Request: {"input": str | [str] | [{"type": "text", "text": str}], "model": str (optional)}.
Response: {"id": "modr-...", "model": <the loaded model's version>, "results": [{"flagged",
"categories", "category_scores"}, ...]} with the 13 category keys, one result per input, the
same scores as `riskstream score`. Errors are 4xx with OpenAI's error object, never a crash.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from dataclasses import dataclass

import orjson
from aiohttp import web

from stream.ops import metrics
from stream.serve.batcher import MicroBatcher

log = logging.getLogger("riskstream.serve")


@dataclass(frozen=True)
class Limits:
    max_inputs: int = 256  # texts per request
    max_chars: int = 32_000  # characters per text
    max_body_bytes: int = 4 * 1024 * 1024


class BadRequest(ValueError):
    def __init__(self, message: str, param: str | None = "input", status: int = 400, code: str | None = None):
        super().__init__(message)
        self.param, self.status, self.code = param, status, code


def parse_request(body: bytes, limits: Limits) -> list[str]:
    """The request's texts, or BadRequest saying exactly what is wrong."""
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}", param=None)
    if not isinstance(obj, dict):
        raise BadRequest("request body must be a JSON object", param=None)
    if "model" in obj and not isinstance(obj["model"], (str, type(None))):
        raise BadRequest("'model' must be a string", param="model")
    raw = obj.get("input")
    if isinstance(raw, str):
        items = [raw]
    elif isinstance(raw, list):
        items = raw
    else:
        raise BadRequest("'input' is required: a string or an array of strings")
    if not items:
        raise BadRequest("'input' must not be an empty array")
    if len(items) > limits.max_inputs:
        raise BadRequest(f"'input' has {len(items)} items; at most {limits.max_inputs} per request", code="too_many_inputs")
    texts = []
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("type") == "text" and isinstance(item.get("text"), str):
            item = item["text"]
        elif isinstance(item, dict) and item.get("type") == "image_url":
            raise BadRequest("image inputs are not supported; send text", param=f"input[{i}]", code="unsupported_input")
        if not isinstance(item, str):
            raise BadRequest(f"input[{i}] must be a string", param=f"input[{i}]")
        if len(item) > limits.max_chars:
            raise BadRequest(f"input[{i}] has {len(item)} characters; at most {limits.max_chars}",
                             param=f"input[{i}]", code="input_too_long")
        texts.append(item)
    return texts


def error_response(status: int, message: str, param: str | None = None, code: str | None = None,
                   kind: str = "invalid_request_error") -> web.Response:
    metrics.MODERATION_REQUESTS.labels(str(status)).inc()
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return web.json_response(body, status=status, dumps=lambda o: orjson.dumps(o).decode())


def result(score) -> dict:
    return {"flagged": score.flagged, "categories": score.categories, "category_scores": score.category_scores}


def create_app(batcher: MicroBatcher, model: str, limits: Limits = Limits(), token: str | None = None) -> web.Application:
    async def moderations(request: web.Request) -> web.Response:
        if token is not None:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return error_response(401, "missing or wrong bearer token (Authorization: Bearer ...)",
                                      code="invalid_api_key")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return error_response(413, f"request body larger than {limits.max_body_bytes} bytes", code="body_too_large")
        try:
            texts = parse_request(body, limits)
        except BadRequest as exc:
            return error_response(exc.status, str(exc), exc.param, exc.code)
        try:
            scores = await batcher.score(texts)
        except Exception:
            log.exception("scoring failed")
            return error_response(500, "scoring failed; see the server log", kind="server_error")
        metrics.MODERATION_REQUESTS.labels("200").inc()
        metrics.MODERATION_INPUTS.inc(len(texts))
        payload = {"id": f"modr-{uuid.uuid4().hex}", "model": model, "results": [result(s) for s in scores]}
        return web.Response(body=orjson.dumps(payload), content_type="application/json")

    async def not_allowed(request: web.Request) -> web.Response:
        return error_response(405, "use POST /v1/moderations", param=None)

    async def on_startup(app: web.Application) -> None:
        batcher.start()

    async def on_cleanup(app: web.Application) -> None:
        await batcher.close()

    app = web.Application(client_max_size=limits.max_body_bytes)
    app.router.add_post("/v1/moderations", moderations)
    app.router.add_get("/v1/moderations", not_allowed)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
