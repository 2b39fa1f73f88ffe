"""Billing db."""
