"""`riskstream serve` over real HTTP (a subprocess on 127.0.0.1): OpenAI-shaped responses with the
same scores as `riskstream score`, batching across concurrent requests, limits, auth, probes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest

from dev.harness import REPO, metric_samples, run_cli, spawn
from dev.harness import http_get as get
from stream.taxonomy import CATEGORIES

TOKEN = "test-token-123"
TEXTS = ["hello there", "How do I kill a Python process?", "I will hurt you", "", "我今天很开心",
         "I feel worthless and want to end it all", "what rifle is easiest to buy without paperwork",
         "you are all disgusting animals", "nice weather today", "go kill yourself"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    cmd = [sys.executable, "-m", "stream", "serve", "--port", "0", "--metrics-port", "0", "--log-format", "json",
           "--max-inputs", "16", "--max-chars", "200", "--max-body-bytes", "8000", "--batch-wait-ms", "300"]
    with open(log_path, "wb") as log:
        proc = spawn(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                     env={**__import__("os").environ, "RISKSTREAM_SERVE_TOKEN": TOKEN})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            lines = [json.loads(x) for x in log_path.read_text().splitlines() if x.startswith("{")]
            start = [x for x in lines if x.get("event") == "startup"]
            if start:
                break
            assert proc.poll() is None, log_path.read_text()
            time.sleep(0.2)
        else:
            raise AssertionError(f"serve did not start:\n{log_path.read_text()}")
        yield {"url": f"http://127.0.0.1:{start[0]['port']}", "ops": f"http://127.0.0.1:{start[0]['metrics_port']}",
               "startup": start[0]}
    finally:
        proc.terminate()
        proc.wait(10)


def post(url: str, body, token: str | None = TOKEN, raw: bytes | None = None) -> tuple[int, dict]:
    data = raw if raw is not None else orjson.dumps(body)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url + "/v1/moderations", data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, orjson.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, orjson.loads(exc.read())


def metric(ops: str, name: str) -> float:
    _, text = get(ops + "/metrics")
    return metric_samples(text.decode()).get(name, 0.0)


def test_concurrent_requests_share_batches_and_score_like_the_cli(server, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"event_id": str(i), "text": t}) + "\n" for i, t in enumerate(TEXTS)))
    proc = run_cli("score", "--input", str(src), "--output", "-")
    assert proc.returncode == 0, proc.stderr
    expected = [orjson.loads(line) for line in proc.stdout.splitlines()]

    batches_before = metric(server["ops"], "riskstream_scoring_batch_size_count")
    requests = [TEXTS[i:i + 2] if i % 4 == 0 else TEXTS[i] for i in range(0, len(TEXTS), 2)]
    with ThreadPoolExecutor(len(requests)) as pool:
        answers = list(pool.map(lambda body: post(server["url"], {"input": body, "model": "omni-moderation-latest"}),
                                requests))
    got = []
    for (status, body), sent in zip(answers, requests):
        assert status == 200, body
        assert body["id"].startswith("modr-") and body["model"] == server["startup"]["model_version"]
        assert len(body["results"]) == (len(sent) if isinstance(sent, list) else 1)
        got.extend(body["results"])
    texts_sent = [t for r in requests for t in (r if isinstance(r, list) else [r])]
    by_text = {TEXTS[i]: e for i, e in enumerate(expected)}
    for text, res in zip(texts_sent, got):
        exp = by_text[text]
        assert set(res) == {"flagged", "categories", "category_scores"}
        assert list(res["category_scores"]) == list(CATEGORIES) and list(res["categories"]) == list(CATEGORIES)
        assert res["flagged"] == exp["flagged"] and res["categories"] == exp["categories"], text
        for c in CATEGORIES:
            assert res["category_scores"][c] == pytest.approx(exp["category_scores"][c], abs=1e-4), (text, c)
    assert any(r["flagged"] for r in got) and not all(r["flagged"] for r in got)
    batches = metric(server["ops"], "riskstream_scoring_batch_size_count") - batches_before
    assert 1 <= batches < len(requests), f"{len(requests)} concurrent requests were scored in {batches} batches"


@pytest.mark.parametrize("body, status, needle", [
    ({"input": []}, 400, "must not be an empty array"),
    ({"inputs": "typo"}, 400, "'input' is required"),
    ({"input": [1, 2]}, 400, "input[0] must be a string"),
    ({"input": ["x"] * 17}, 400, "at most 16 per request"),
    ({"input": "y" * 201}, 400, "at most 200"),
    ({"input": "ok", "model": 5}, 400, "'model' must be a string"),
    ({"input": [{"type": "image_url", "image_url": {"url": "http://x"}}]}, 400, "not supported"),
])
def test_bad_requests_get_clear_4xx_errors(server, body, status, needle):
    code, answer = post(server["url"], body)
    assert code == status and needle in answer["error"]["message"], answer
    assert answer["error"]["type"] == "invalid_request_error"


def test_body_limit_invalid_json_auth_and_method(server):
    code, answer = post(server["url"], None, raw=b'{"input": "' + b"z" * 9000 + b'"}')
    assert code == 413 and "larger than 8000" in answer["error"]["message"]
    code, answer = post(server["url"], None, raw=b"{not json")
    assert code == 400 and "not valid JSON" in answer["error"]["message"]
    assert post(server["url"], {"input": "hi"}, token=None)[0] == 401
    assert post(server["url"], {"input": "hi"}, token="wrong")[0] == 401
    code, answer = post(server["url"], {"input": [{"type": "text", "text": "hi"}]})
    assert code == 200 and len(answer["results"]) == 1
    assert get(server["url"] + "/v1/moderations")[0] == 405


def test_probes_and_metrics(server):
    assert get(server["ops"] + "/healthz") == (200, b'{"status":"alive"}')
    code, body = get(server["ops"] + "/readyz")
    assert code == 200 and orjson.loads(body)["status"] == "ready"
    post(server["url"], {"input": "hi"}, token=None)
    assert metric(server["ops"], 'riskstream_moderation_requests_total{status="401"}') >= 1
    _, text = get(server["ops"] + "/metrics")
    assert b'riskstream_build_info{command="serve"' in text


def test_batcher_hands_each_request_its_own_slice_and_survives_a_scoring_error():
    """In-process server on 127.0.0.1 with a stand-in scorer (not Kafka): slices stay in order across a
    shared batch; when a shared batch fails, each request is retried alone, so only the request whose
    input fails gets a 500, and later requests still work."""
    import asyncio

    import aiohttp
    from aiohttp import web

    from stream.scoring.types import TextScore
    from stream.serve.app import create_app
    from stream.serve.batcher import MicroBatcher

    calls: list[list[str]] = []

    def score_batch(texts):
        calls.append(list(texts))
        if "boom" in texts:
            raise RuntimeError("model exploded")
        return [TextScore({c: len(t) / 100 for c in CATEGORIES}, {c: len(t) > 5 for c in CATEGORIES}, len(t) > 5)
                for t in texts]

    async def scenario():
        batcher = MicroBatcher(score_batch, max_batch=64, within_s=0.2)
        runner = web.AppRunner(create_app(batcher, "stand-in"))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/v1/moderations"
        async with aiohttp.ClientSession() as http:
            async def ask(inp):
                async with http.post(url, json={"input": inp}) as resp:
                    return resp.status, await resp.json()

            shared = await asyncio.gather(ask(["a", "bb"]), ask("cccccc"), ask(["dddd", "e", "ffffffff"]))
            failed = await asyncio.gather(ask("boom"), ask("fine"))
            after = await ask("again!")
        await runner.cleanup()
        return shared, failed, after

    shared, failed, after = asyncio.run(scenario())
    assert [s for s, _ in shared] == [200, 200, 200]
    lengths = [[round(r["category_scores"]["violence"] * 100) for r in body["results"]] for _, body in shared]
    assert lengths == [[1, 2], [6], [4, 1, 8]], "each request gets its own texts' scores, in order"
    assert len(calls[0]) == 6, "the three concurrent requests shared one scoring batch"
    assert failed[0][0] == 500 and failed[0][1]["error"]["type"] == "server_error"
    assert failed[1][0] == 200, "the request sharing the failed batch was scored on its own"
    assert after[0] == 200 and after[1]["results"][0]["flagged"] is True
