"""Downstream alerting: tail review/enforcement topics and deliver to stdout, a file or a webhook."""
