"""Payment use cases: provider notifications, verified against the provider's API."""
