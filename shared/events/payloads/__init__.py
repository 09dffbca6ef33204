"""Event payloads, one module per producing service; `shared.events.catalog` is the index."""
