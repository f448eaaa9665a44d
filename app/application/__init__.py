"""Use cases, one package per bounded context, and the ports they depend on."""
