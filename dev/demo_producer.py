"""Demo producer: replay a JSONL file of turns (default examples/demo_turns.jsonl) into the turns topic.

For docker-compose (the `demo-producer` service) and local trials; keyed by user_id, like a
platform's own producer. Run from the repository root: `python -m dev.demo_producer --broker H:P`
(`python dev/demo_producer.py` would put dev/ first on sys.path, where dev/kafka.py hides kafka-python).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import orjson
from kafka import KafkaProducer

from stream.config import Settings
from stream.kafka_clients import open_client

REPO = Path(__file__).resolve().parents[1]


def produce_file(broker: str, topic: str, path: Path, delay_s: float = 0.0, timeout_s: float = 60.0) -> int:
    producer = open_client(KafkaProducer, Settings(broker=broker), "demo producer", timeout_s=timeout_s, acks="all")
    sent = 0
    with path.open("rb") as fh:
        for line in fh:
            if not line.strip():
                continue
            turn = orjson.loads(line)
            producer.send(topic, key=str(turn.get("user_id", "")).encode() or None, value=line.strip())
            sent += 1
            if delay_s:
                time.sleep(delay_s)
    producer.flush()
    producer.close()
    return sent


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--broker", default=os.environ.get("RISKSTREAM_BROKER", "127.0.0.1:9092"))
    p.add_argument("--topic", default=os.environ.get("RISKSTREAM_TOPIC_PREFIX", "riskstream.") + "turns")
    p.add_argument("--input", type=Path, default=REPO / "examples" / "demo_turns.jsonl")
    p.add_argument("--delay", type=float, default=0.0, metavar="S", help="pause between turns (a live feel)")
    args = p.parse_args(argv)
    sent = produce_file(args.broker, args.topic, args.input, args.delay)
    print(f"demo producer: {sent} turn(s) from {args.input} sent to {args.topic}", file=sys.stderr)
    return 0 if sent else 1


if __name__ == "__main__":
    raise SystemExit(main())
