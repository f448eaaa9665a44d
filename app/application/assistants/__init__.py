"""Assistants that point a client to the next step, over the published catalogue."""
