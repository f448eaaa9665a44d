"""Adapters: everything that talks to the world outside the application core."""
