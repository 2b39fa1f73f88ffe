"""Pure billing rules: plans, subscriptions, SEPA mandates and files, shop, retries, revenue.

Nothing in this package does I/O; every function takes plain values and returns plain values.
"""
