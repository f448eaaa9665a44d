"""The shared kernel: ids, domain events, aggregates and value objects every context uses."""
