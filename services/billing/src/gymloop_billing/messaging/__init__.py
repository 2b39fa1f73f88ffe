"""Billing messaging."""
