"""The domain: entities, value objects and rules, one package per bounded context."""
