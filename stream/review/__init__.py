"""Reviewer tooling: the audited reveal path (who may read what a case redacts)."""
