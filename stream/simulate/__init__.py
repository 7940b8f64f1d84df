"""Synthetic user timelines for the escalation benchmark (`riskstream simulate`)."""
