"""riskstream: conversation risk monitoring.

`stream.core` is the pure detection core (no I/O); `stream.drivers` feed it from Kafka (Faust) or
from files (embedded replay); `stream.scoring` holds the classifiers the core calls.
"""

__version__ = "0.1.0"
