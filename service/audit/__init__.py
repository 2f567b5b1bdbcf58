"""The audit core: history, past states (as of a version or a moment), the raw event stream and
the erasable people directory that turns user ids in events into names."""
