"""Identity use cases: login, sessions, profile, consents, staff, export, erasure."""
