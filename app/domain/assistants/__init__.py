"""The assistants' domain: their events."""
