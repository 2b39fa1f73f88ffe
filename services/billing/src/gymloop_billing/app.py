"""The billing service: plans, subscriptions, SEPA export, Stripe, shop, payments, revenue."""

from __future__ import annotations

from fastapi import FastAPI
from gymloop_kit.app import ServiceSpec, create_service_app
from gymloop_kit.idempotency import purge_idempotency_keys
from gymloop_kit.settings import ServiceSettings

from gymloop_billing.api import (
    billing_summaries,
    export,
    imports,
    ledger,
    member_billing,
    payments,
    plans,
    reports,
    returns,
    self_service,
    sepa,
    shop,
    stripe_payment_methods,
    stripe_webhook,
    subscriptions,
)
from gymloop_billing.messaging.subscriptions import subscriptions as event_subscriptions
from gymloop_billing.service.scheduler import billing_scheduler
from gymloop_billing.settings import BillingSettings

DESCRIPTION = (
    "Owns plans (subscription types), subscriptions, the studio's collection method, SEPA mandates, "
    "payment runs and pain.008 export, Stripe customers/subscriptions/webhooks, shop products and "
    "purchases, the payments ledger, bank return files (camt.054, pain.002), the overdue state, and the revenue report."
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    billing_settings = BillingSettings.from_service_settings(settings or BillingSettings())
    spec = ServiceSpec(
        name="billing",
        description=DESCRIPTION,
        routers=[
            plans.router,
            subscriptions.router,
            sepa.router,
            shop.router,
            payments.router,
            ledger.router,
            returns.router,
            member_billing.router,
            self_service.router,
            stripe_webhook.router,
            stripe_payment_methods.router,
            reports.router,
            imports.router,
            billing_summaries.router,
            export.router,
        ],
        subscriptions=event_subscriptions,
        background_jobs=[billing_scheduler, purge_idempotency_keys],  # scheduler: renewals, ends, Stripe retries
    )
    app = create_service_app(spec, billing_settings)
    app.state.billing_settings = billing_settings

    return app
