"""Identity: users, roles, sessions, login codes and consents."""
