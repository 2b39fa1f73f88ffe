"""Billing settings: the kit's ServiceSettings plus Stripe (GYMLOOP_STRIPE_*)."""

from __future__ import annotations

from gymloop_kit.settings import ServiceSettings
from pydantic import Field


class BillingSettings(ServiceSettings):
    service_name: str = "billing"
    stripe_api_key: str = Field(default="sk_test_gymloop", description="Stripe secret key")
    stripe_api_base: str = Field(default="", description="Override the Stripe API URL (localstripe in tests)")
    stripe_webhook_secret: str = Field(default="", description="Signing secret of the Stripe webhook endpoint")
    stripe_webhook_tolerance_s: int = 300
    cancel_window_s: int = Field(default=3600, description="The window the cancel button's limits count in")
    cancel_max_per_member: int = Field(default=10, description="Cancel requests per member in the window, then 429")
    cancel_max_per_ip: int = Field(default=30, description="Cancel requests per client address in the window")
    scheduler_enabled: bool = Field(default=True, description="Run the due-work job (renew, end, retry)")
    scheduler_interval_s: float = Field(default=900.0, description="Seconds between two due-work passes")

    @classmethod
    def from_service_settings(cls, settings: ServiceSettings) -> BillingSettings:
        if isinstance(settings, BillingSettings):
            return settings
        return cls(**settings.model_dump())
