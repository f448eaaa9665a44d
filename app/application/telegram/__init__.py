"""The Telegram bot's use cases, independent of the bot framework."""
