"""Drivers feed the core: `replay` from files (no broker), `faust_app` from Kafka topics."""
