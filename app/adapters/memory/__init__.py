"""In-memory adapters: the event bus and unit of work used by unit tests of use cases."""
