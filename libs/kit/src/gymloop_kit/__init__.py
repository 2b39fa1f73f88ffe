"""The shared service runtime: settings, database, outbox, inbox, consumers, auth, health and logging."""
