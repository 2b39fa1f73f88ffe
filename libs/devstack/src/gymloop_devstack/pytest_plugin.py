"""Pytest plugin: embedded PostgreSQL and Kafka-protocol broker fixtures (filled in by the kit work)."""
