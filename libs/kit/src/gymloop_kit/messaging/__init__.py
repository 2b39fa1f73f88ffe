"""Event delivery: the transactional outbox and its relay, the inbox, consumers with retries and a DLQ."""
