"""Read back everything a worker run left behind (every topic, the local store), to search it for
text that must not be there (ZDR tenants, deleted users). Shared by the privacy suites, and by Kafka tests that
ask where a record went (partition, offset)."""

from __future__ import annotations

from kafka import KafkaConsumer, TopicPartition


def topic_messages(bootstrap: str, name: str) -> list:
    """Every record of a topic (kafka-python's, with partition and offset), from the beginning to
    the end offsets seen now."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        tps = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        out: list = []
        while any(consumer.position(tp) < end[tp] for tp in tps):
            for msgs in consumer.poll(timeout_ms=1000).values():
                out += msgs
        return out
    finally:
        consumer.close()


def topic_records(bootstrap: str, name: str) -> list[tuple[bytes | None, bytes | None]]:
    """Every (key, value) of a topic, from the beginning to the end offsets seen now."""
    return [(m.key, m.value) for m in topic_messages(bootstrap, name)]


def run_topics(bootstrap: str, prefix: str, app_id: str) -> list[str]:
    """Every topic of one worker run: its prefixed topics and its app's internal ones."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        return sorted(t for t in consumer.topics() if t.startswith(prefix) or t.startswith(app_id))
    finally:
        consumer.close()


def written_topics(bootstrap: str, prefix: str, app_id: str, skip: tuple[str, ...] = ()) -> dict[str, list[bytes]]:
    """Key and value of every record of every topic of the run, except `skip` (full names)."""
    return {name: [(k or b"") + b"\n" + (v or b"") for k, v in topic_records(bootstrap, name)]
            for name in run_topics(bootstrap, prefix, app_id) if name not in skip}


def stored_files(data_dir) -> dict[str, bytes]:
    return {str(p.relative_to(data_dir)): p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}


def found(word: str, blobs: dict[str, object]) -> list[str]:
    """Names of the blobs holding `word` in any letter case (normalised copies count too)."""
    needle = word.lower().encode()
    return [name for name, blob in blobs.items()
            if needle in (b"".join(blob) if isinstance(blob, list) else blob).lower()]
