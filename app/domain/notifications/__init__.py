"""Notifications: how a message template becomes the text somebody receives."""
