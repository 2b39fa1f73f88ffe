"""localstripe, extended where Gymloop's billing needs Stripe's real API and localstripe lacks it.

Run it like localstripe itself: `python -m gymloop_devstack.localstripe_server --port 8420 --from-scratch`.
Everything else is localstripe unchanged. What is added, and why:

1. iDEAL (PaymentMethod type `ideal` with `ideal: {bank}`). localstripe knows only card and sepa_debit
   PaymentMethods. Real Stripe: a PaymentIntent confirmed with an iDEAL method and a `return_url` answers
   `requires_action` with `next_action: {type: redirect_to_url, redirect_to_url: {url, return_url}}`; the
   customer approves the payment at their bank, Stripe sends them back to `return_url` (with `payment_intent`,
   `payment_intent_client_secret` and `redirect_status`) and the intent is `succeeded` (iDEAL settles at
   once) or back to `requires_payment_method` with `payment_intent.payment_failed`. iDEAL is EUR only.
   Here `url` is a page of this server standing in for the bank: `GET <url>&success=true|false` completes or
   fails the payment through localstripe's own `_authenticate` (the 3-D Secure stand-in, which sends
   `payment_intent.succeeded`), adds the `payment_intent.payment_failed` webhook that `_authenticate` does
   not send on failure, and redirects to `return_url`. Without `success` it shows two links.
2. SEPA Direct Debit mandates. Real Stripe needs `mandate_data.customer_acceptance` (`online` with the
   customer's `ip_address` and `user_agent`, or `offline`) to confirm a SetupIntent with a sepa_debit method
   (or a PaymentIntent whose method has no mandate yet), and creates a Mandate (`GET /v1/mandates/{id}`).
   localstripe answers 400 to the unknown `mandate_data`/`mandate` parameters, cannot create-and-confirm a
   SetupIntent in one call (`confirm`, `payment_method`), and does not attach the method to the SetupIntent's
   customer. Here mandate_data is checked like Stripe does, stored on a Mandate, returned as the SetupIntent's
   `mandate`, and a sepa_debit PaymentIntent without any mandate is refused (400), as Stripe does.
3. `POST /v1/invoices/{id}/pay` with `paid_out_of_band=true` (an invoice paid outside Stripe, e.g. by a
   separate iDEAL payment): marks the invoice paid without a charge and sends `invoice.paid`.
4. The allowed payment method types: Stripe's current API (the version the SDK sends) names the request
   parameter `allowed_payment_method_types`, localstripe knows only the older `payment_method_types` (and
   drops it on PaymentIntents). Both are accepted, kept, and a method of another type is refused.

The public address of the bank page is `LOCALSTRIPE_PUBLIC_URL` if set, else `http://localhost:<port>`.
"""

from __future__ import annotations

import argparse
import html
import os
import time
import urllib.parse
from typing import Any

from aiohttp import web
from localstripe import server
from localstripe.errors import UserError
from localstripe.resources import (
    Event,
    Invoice,
    PaymentIntent,
    PaymentMethod,
    SetupIntent,
    StripeObject,
    Subscription,
    random_id,
    store,
    try_convert_to_bool,
)
from localstripe.webhooks import schedule_webhook

BANK_PAGE = "/_bank/ideal/{id}"
# Stripe's `payment_method_data[ideal][bank]` values
IDEAL_BANKS = frozenset(
    {
        "abn_amro", "adyen", "asn_bank", "bunq", "buut", "finom", "handelsbanken", "ing", "knab", "mollie",
        "moneyou", "n26", "nn", "rabobank", "regiobank", "revolut", "sns_bank", "triodos_bank", "van_lanschot",
        "yoursafe",
    }
)  # fmt: skip
_public_url = "http://localhost:8420"


def _bad(message: str, param: str | None = None) -> UserError:
    """A 400 shaped like Stripe's (`error.param` names the offending parameter)."""
    return UserError(400, message, {"param": param} if param else None)


# --- 1. iDEAL PaymentMethods -------------------------------------------------------------------------------

_original_payment_method_init = PaymentMethod.__init__


def _payment_method_init(self: Any, type: Any = None, ideal: Any = None, **kwargs: Any) -> None:
    if type != "ideal":
        if ideal is not None:
            raise _bad("Received unknown parameter: ideal", "ideal")
        _original_payment_method_init(self, type=type, **kwargs)
        return
    billing_details, metadata = kwargs.pop("billing_details", None), kwargs.pop("metadata", None)
    if kwargs:
        raise _bad("Received unknown parameter: " + ", ".join(kwargs), next(iter(kwargs)))
    if ideal is not None and not isinstance(ideal, dict):
        raise _bad("Invalid object", "ideal")
    bank = (ideal or {}).get("bank")
    if bank is not None and bank not in IDEAL_BANKS:
        raise _bad(f"Invalid ideal[bank]: must be one of {', '.join(sorted(IDEAL_BANKS))}", "ideal[bank]")
    StripeObject.__init__(self)  # what PaymentMethod.__init__ does last, after its own checks
    self.type = "ideal"
    self.ideal = {"bank": bank, "bic": None}
    self.billing_details = billing_details or {}
    self.customer = None
    self.metadata = metadata or {}


# --- 2. Mandates -------------------------------------------------------------------------------------------


class Mandate(StripeObject):
    """Stripe's Mandate: the customer's acceptance of debits on a sepa_debit PaymentMethod."""

    object = "mandate"
    _id_prefix = "mandate_"

    def __init__(self, payment_method: Any, customer_acceptance: dict[str, Any], usage: str) -> None:
        super().__init__()
        reference = random_id(16).upper()
        self.payment_method = payment_method.id
        self.customer_acceptance = customer_acceptance
        self.payment_method_details = {
            "type": "sepa_debit",
            "sepa_debit": {"reference": reference, "url": None},  # no mandate page here
        }
        self.status = "active"
        self.type = usage  # multi_use (SetupIntent) or single_use (one PaymentIntent)


def _customer_acceptance(mandate_data: Any) -> dict[str, Any]:
    """Stripe's checks on `mandate_data`; the acceptance as the Mandate shows it."""
    prefix = "mandate_data[customer_acceptance]"
    if not isinstance(mandate_data, dict) or not isinstance(mandate_data.get("customer_acceptance"), dict):
        raise _bad(f"Missing required param: {prefix}.", prefix)
    acceptance = mandate_data["customer_acceptance"]
    kind = acceptance.get("type")
    if kind not in ("online", "offline"):
        raise _bad(f"Invalid {prefix}[type]: must be one of online or offline", f"{prefix}[type]")
    accepted_at = int(acceptance.get("accepted_at") or time.time())
    if kind == "offline":
        return {"type": "offline", "accepted_at": accepted_at, "offline": {}, "online": None}
    online = acceptance.get("online")
    for field in ("ip_address", "user_agent"):
        if not isinstance(online, dict) or not online.get(field):
            raise _bad(f"Missing required param: {prefix}[online][{field}].", f"{prefix}[online][{field}]")
    assert isinstance(online, dict)
    details = {"ip_address": online["ip_address"], "user_agent": online["user_agent"]}
    return {"type": "online", "accepted_at": accepted_at, "online": details, "offline": None}


def _mandate_required(payment_method_type: str) -> UserError:
    return _bad(
        f"A PaymentMethod of type {payment_method_type} needs a mandate: pass mandate_data (the customer's "
        "acceptance) or a mandate, or set the method up with a SetupIntent first.",
        "mandate_data",
    )


SetupIntent.mandate = None  # exported like Stripe's SetupIntent.mandate


def _setup_intent_create(
    cls: Any,
    confirm: Any = None,
    payment_method: Any = None,
    mandate_data: Any = None,
    allowed_payment_method_types: Any = None,
    **data: Any,
) -> Any:
    confirm = try_convert_to_bool(confirm)
    if mandate_data is not None and confirm is not True:
        raise _bad("mandate_data can only be used with confirm=true", "mandate_data")
    if payment_method is not None:
        PaymentMethod._api_retrieve(payment_method)  # 404 before anything is created
    if allowed_payment_method_types is not None:
        data["payment_method_types"] = allowed_payment_method_types
    intent = cls(**data)
    if payment_method is not None:
        intent.payment_method = payment_method
    if confirm:
        _setup_intent_confirm(id=intent.id, payment_method=payment_method, mandate_data=mandate_data)
    return intent


_original_setup_intent_confirm = SetupIntent._api_confirm


def _setup_intent_confirm(id: str, mandate_data: Any = None, **kwargs: Any) -> Any:
    intent = SetupIntent._api_retrieve(id)
    method_id = kwargs.get("payment_method") or intent.payment_method
    if method_id:
        method_type = PaymentMethod._api_retrieve(method_id).type
        kwargs["payment_method"] = method_id  # so localstripe checks it (declines, authentication)
    else:
        method_type = (kwargs.get("payment_method_data") or {}).get("type")
    if method_type is not None and method_type not in intent.payment_method_types:
        raise _bad(
            f"The PaymentMethod provided ({method_type}) is not allowed for this SetupIntent: payment_method_types "
            f"is {intent.payment_method_types}",
            "payment_method",
        )
    acceptance = None
    if method_type == "sepa_debit" or mandate_data is not None:
        acceptance = _customer_acceptance(mandate_data)
    intent = _original_setup_intent_confirm(id=id, **kwargs)
    method = PaymentMethod._api_retrieve(intent.payment_method) if intent.payment_method else None
    if intent.status == "succeeded" and method is not None:
        if intent.customer:
            method.customer = intent.customer  # Stripe attaches the method to the SetupIntent's customer
        if acceptance is not None:
            mandate = Mandate(method, acceptance, "multi_use")
            intent.mandate = mandate.id
            method._mandate = mandate.id  # later off-session payments use it
    return intent


# --- 1, 2, 4. PaymentIntents: return_url, payment_method_data, payment_method_types, mandates ------------

_original_payment_intent_create = PaymentIntent._api_create
_original_payment_intent_confirm = PaymentIntent._confirm
PaymentIntent.payment_method_types = ["card"]  # Stripe's default when none is given


def _payment_intent_create(
    cls: Any,
    confirm: Any = None,
    off_session: Any = None,
    return_url: Any = None,
    payment_method_data: Any = None,
    payment_method_types: Any = None,
    allowed_payment_method_types: Any = None,
    mandate_data: Any = None,
    mandate: Any = None,
    **data: Any,
) -> Any:
    confirm, off_session = try_convert_to_bool(confirm), try_convert_to_bool(off_session)
    named = (
        ("return_url", return_url),
        ("mandate_data", mandate_data),
        ("mandate", mandate),
        ("off_session", off_session),
    )
    for name, value in named:
        if value is not None and confirm is not True:
            raise _bad(f"{name} can only be used with confirm=true", name)
    if payment_method_data is not None:
        if data.get("payment_method") is not None or not isinstance(payment_method_data, dict):
            raise _bad("Pass either payment_method or payment_method_data", "payment_method_data")
        data["payment_method"] = PaymentMethod(**payment_method_data).id
    method = PaymentMethod._api_retrieve(data["payment_method"]) if data.get("payment_method") else None
    types = allowed_payment_method_types or payment_method_types or ([method.type] if method else ["card"])
    if not isinstance(types, list):
        raise _bad("Invalid array", "payment_method_types")
    if method is not None and method.type not in types:
        raise _bad(
            f"The PaymentMethod provided ({method.type}) is not allowed for this PaymentIntent: "
            f"payment_method_types is {types}",
            "payment_method",
        )
    if method is not None and method.type == "ideal":
        if str(data.get("currency", "")).lower() != "eur":
            raise _bad(f"The currency provided ({data.get('currency')}) is invalid: iDEAL supports eur", "currency")
        if confirm and not return_url:
            raise _bad("A return_url is required to confirm an iDEAL payment (a redirect)", "return_url")
        if off_session is True:
            raise _bad("iDEAL payments need the customer: off_session is not allowed", "off_session")
    acceptance = _customer_acceptance(mandate_data) if mandate_data is not None else None
    if mandate is not None:
        Mandate._api_retrieve(mandate)
    intent = _original_payment_intent_create(confirm=None, **data)
    intent.payment_method_types = types
    intent._return_url = return_url
    intent._mandate = mandate
    if acceptance is not None and method is not None:
        intent._mandate = Mandate(method, acceptance, "single_use").id
    if confirm:
        intent._confirm(on_failure_now=intent._report_failure)
    return intent


def _payment_intent_confirm(self: Any, on_failure_now: Any) -> None:
    method = PaymentMethod._api_retrieve(self.payment_method)
    if method.type == "ideal":
        return_url = getattr(self, "_return_url", None)
        if not return_url:
            raise _bad("A return_url is required to confirm an iDEAL payment (a redirect)", "return_url")
        self._authentication_failed = False
        query = urllib.parse.urlencode({"client_secret": self.client_secret})
        self.next_action = {
            "type": "redirect_to_url",
            "redirect_to_url": {
                "url": f"{_public_url}{BANK_PAGE.format(id=self.id)}?{query}",
                "return_url": return_url,
            },
        }
        return
    if method.type == "sepa_debit" and not (getattr(self, "_mandate", None) or getattr(method, "_mandate", None)):
        raise _mandate_required(method.type)
    _original_payment_intent_confirm(self, on_failure_now)


async def bank_page(request: web.Request) -> web.Response:
    """The customer's bank, approving (success=true) or refusing (success=false) an iDEAL payment."""
    intent = PaymentIntent._api_retrieve(request.match_info["id"])
    secret = request.query.get("client_secret", "")
    if secret != intent.client_secret:
        raise UserError(401, "Unauthorized")
    if intent.status != "requires_action" or (intent.next_action or {}).get("type") != "redirect_to_url":
        raise _bad(f"This payment is {intent.status}, not waiting for the bank")
    success = try_convert_to_bool(request.query.get("success"))
    if success not in (True, False):
        url = f"{request.path}?{urllib.parse.urlencode({'client_secret': secret})}"
        body = (
            f"<h1>iDEAL test bank</h1><p>{intent.amount / 100:.2f} {html.escape(intent.currency.upper())}</p>"
            f'<p><a href="{html.escape(url)}&success=true">Approve</a> '
            f'<a href="{html.escape(url)}&success=false">Refuse</a></p>'
        )
        return web.Response(text=body, content_type="text/html")
    return_url = intent.next_action["redirect_to_url"]["return_url"]
    PaymentIntent._api_authenticate(intent.id, client_secret=secret, success=success)
    if not success:
        schedule_webhook(Event("payment_intent.payment_failed", intent))  # Stripe sends it; _authenticate not
    store.dump_to_disk()  # a GET changed the store: save it like localstripe does after a POST
    status = "succeeded" if intent.status == "succeeded" else "failed"
    query = {"payment_intent": intent.id, "payment_intent_client_secret": secret, "redirect_status": status}
    separator = "&" if urllib.parse.urlsplit(return_url).query else "?"
    raise web.HTTPFound(return_url + separator + urllib.parse.urlencode(query))


# --- 3. Invoices paid out of band --------------------------------------------------------------------------

_original_invoice_status = Invoice.status


def _invoice_status(self: Any) -> str:
    if getattr(self, "_paid_out_of_band", False):
        return "paid"
    return str(_original_invoice_status.fget(self))


def _pay_invoice(id: str, paid_out_of_band: Any = None, **kwargs: Any) -> Any:
    if kwargs:
        raise _bad("Received unknown parameter: " + ", ".join(kwargs), next(iter(kwargs)))
    if try_convert_to_bool(paid_out_of_band) is not True:
        return Invoice._api_pay_invoice(id)
    invoice = Invoice._api_retrieve(id)
    if invoice.status == "paid":
        raise _bad("Invoice is already paid")
    if invoice.status not in ("draft", "open"):
        raise _bad(f"This invoice is {invoice.status} and cannot be paid")
    invoice._draft = False
    invoice._paid_out_of_band = True
    invoice.status_transitions["paid_at"] = int(time.time())
    if invoice.subscription:
        Subscription._api_retrieve(invoice.subscription).status = "active"
    schedule_webhook(Event("invoice.paid", invoice))
    return invoice


# --- the server --------------------------------------------------------------------------------------------


def install() -> None:
    """Patch localstripe's resources (idempotent: the originals are kept above)."""
    PaymentMethod.__init__ = _payment_method_init
    SetupIntent._api_create = classmethod(_setup_intent_create)
    PaymentIntent._api_create = classmethod(_payment_intent_create)
    PaymentIntent._confirm = _payment_intent_confirm
    Invoice.status = property(_invoice_status)
    Invoice.paid_out_of_band = property(lambda self: bool(getattr(self, "_paid_out_of_band", False)))


@web.middleware
async def _auth_except_bank_page(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.path.startswith(BANK_PAGE.split("{", 1)[0]):
        return await handler(request)  # the customer's browser, without an API key
    response: web.StreamResponse = await server.auth_middleware(request, handler)
    return response


def build_app() -> web.Application:
    """localstripe's routes, behind ours: localstripe registered some handlers with the functions themselves
    (e.g. SetupIntent confirm, invoice pay), so those are replaced by routes matched first."""
    app = web.Application(middlewares=[server.error_middleware, _auth_except_bank_page, server.save_store_middleware])
    app.on_response_prepare.append(server.add_cors_headers)
    app.router.add_get(BANK_PAGE, bank_page)
    app.router.add_get("/v1/mandates/{id}", server.api_retrieve(Mandate, "/v1/mandates/{id}"))
    ours = {
        ("POST", "/v1/setup_intents/{id}/confirm"): _setup_intent_confirm,
        ("POST", "/v1/invoices/{id}/pay"): _pay_invoice,
    }
    for (method, path), function in ours.items():
        app.router.add_route(method, path, server.api_extra(function, path))
    for route in server.app.router.routes():
        if (route.method, route.resource.canonical) not in ours:
            app.router.add_route(route.method, route.resource.canonical, route.handler)
    return app


def main() -> None:
    global _public_url
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--port", type=int, default=8420)
    port = parser.parse_known_args()[0].port
    _public_url = os.environ.get("LOCALSTRIPE_PUBLIC_URL", f"http://localhost:{port}").rstrip("/")
    install()
    server.app = build_app()
    server.start()  # localstripe's own CLI (--port, --from-scratch) and server loop


if __name__ == "__main__":
    main()
