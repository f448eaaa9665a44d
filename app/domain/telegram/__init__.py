"""Telegram: deep links that carry a visitor from the site into the bot."""
