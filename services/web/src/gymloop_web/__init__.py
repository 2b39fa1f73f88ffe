"""Gymloop web: the staff back office, server-rendered, a pure client of the gateway public API."""
