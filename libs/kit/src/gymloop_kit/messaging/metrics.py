"""Prometheus metrics of event delivery (served at /metrics by every service)."""

from prometheus_client import Counter, Gauge, Histogram

outbox_published = Counter("gymloop_outbox_published_total", "Events published by the relay", ["service"])
outbox_publish_failures = Counter(
    "gymloop_outbox_publish_failures_total", "Outbox rows whose publish failed (will be retried)", ["service"]
)
outbox_delay = Histogram(
    "gymloop_outbox_delay_seconds",
    "Time from commit to acknowledged publish",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
outbox_pending = Gauge("gymloop_outbox_pending", "Unpublished outbox rows at the last scan", ["service"])
consumer_processed = Counter(
    "gymloop_consumer_processed_total", "Messages handled, by outcome", ["consumer", "event_type", "outcome"]
)
consumer_dead_lettered = Counter(
    "gymloop_consumer_dead_lettered_total", "Messages sent to a DLQ after failing", ["consumer", "topic"]
)
consumer_lag = Gauge(
    "gymloop_consumer_lag",
    "Records on the broker the consumer group has not committed yet, per assigned partition (at the last scrape)",
    ["consumer", "topic", "partition"],
)
outbox_oldest_age = Gauge(
    "gymloop_outbox_oldest_unpublished_age_seconds",
    "Age of the oldest outbox row not yet published, 0 when none waits (at the last scrape)",
    ["service"],
)
