"""Telegram: the Login Widget check now; the bot comes with its own work."""
