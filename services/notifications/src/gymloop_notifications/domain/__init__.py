"""Pure rules of the notifications service: settings, evaluation, notifications, communication.

Nothing in this package does I/O; every function takes the facts it needs (including "today"
in the studio's time zone) and returns values, so it can be unit-tested and replayed.
"""
