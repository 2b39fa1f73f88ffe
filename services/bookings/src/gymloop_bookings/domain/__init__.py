"""Pure booking rules: schedules, sessions, entitlements, sign-ups, waitlists, attendance, views and reports.

Nothing in this package does I/O; use cases load the aggregates, call these rules and persist the result.
"""
