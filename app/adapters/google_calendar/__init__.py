"""Google Calendar: the practitioner's busy time, and events for confirmed sessions."""
