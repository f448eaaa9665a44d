"""Observability: structured logs with redaction (metrics come with operations work)."""
