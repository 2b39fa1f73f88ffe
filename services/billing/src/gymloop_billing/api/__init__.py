"""Billing api."""
