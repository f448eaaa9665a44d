"""Emotional Balance: the backend of a private psychology practice."""
