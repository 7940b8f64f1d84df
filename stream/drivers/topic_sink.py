"""Write replay effects to a separate set of topics (`<output prefix>review-cases`, `...turn-scores`).

A replay must never feed the live review queue: the output prefix has to differ from the live
one, and a name that resolves to the live review topic is refused outright.
"""

from __future__ import annotations

from dataclasses import replace

from stream.config import Settings
from stream.core.effects import Effect
from stream.jsonl import dumps_line

KIND_TOPIC = {"case": "review-cases", "score": "turn-scores", "dead_letter": "dead-letter"}


def check_output_prefix(settings: Settings, prefix: str) -> None:
    """Raise ValueError unless `prefix` is a usable, non-live output prefix."""
    if not prefix:
        raise ValueError("--output-topic-prefix must not be empty")
    if prefix == settings.topic_prefix or prefix + "review-cases" == settings.topic("review-cases"):
        raise ValueError(f"--output-topic-prefix {prefix!r} is the live prefix: replay output must never reach "
                         f"the live review topic {settings.topic('review-cases')!r}")


class TopicSink:
    """Produces case and score effects (key = user id) to the output-prefix topics; call `close()` to flush."""

    def __init__(self, settings: Settings, prefix: str, kinds: tuple[str, ...] = ("case", "score")):
        from kafka import KafkaProducer

        from stream.kafka_clients import open_client
        from stream.topics import ensure_topics

        check_output_prefix(settings, prefix)
        out = replace(settings, topic_prefix=prefix)
        ensure_topics(out, [KIND_TOPIC[k] for k in kinds])
        self.topics = {k: out.topic(KIND_TOPIC[k]) for k in kinds}
        self.producer = open_client(KafkaProducer, settings, "replay", acks="all")
        self.sent = 0

    def __call__(self, eff: Effect) -> None:
        topic = self.topics.get(eff.kind)
        if topic is None:
            return
        self.producer.send(topic, key=eff.key.encode() if eff.key else None, value=dumps_line(eff.payload)[:-1])
        self.sent += 1

    def close(self) -> None:
        self.producer.flush()
        self.producer.close()
