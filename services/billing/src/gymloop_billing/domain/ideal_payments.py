"""iDEAL: one amount paid at once, approved by the member at their bank (a Stripe redirect). EUR only, never
recurring. These rules run before anything is written or sent to Stripe."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from gymloop_billing.domain.errors import DomainError

IDEAL_EVENT_METHOD = "stripe_ideal"  # PaymentSucceeded/PaymentFailed `method`
IDEAL_CURRENCY = "EUR"
# Stripe's `ideal[bank]` values; the bank is optional (the member may choose it on the redirect page)
IDEAL_BANKS = frozenset(
    {
        "abn_amro", "adyen", "asn_bank", "bunq", "buut", "finom", "handelsbanken", "ing", "knab", "mollie",
        "moneyou", "n26", "nn", "rabobank", "regiobank", "revolut", "sns_bank", "triodos_bank", "van_lanschot",
        "yoursafe",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class IdealRequest:
    return_url: str
    bank: str | None


def ideal_request(*, currency: str, return_url: str | None, bank: str | None) -> IdealRequest:
    """An iDEAL payment of an amount in `currency`, the member coming back to `return_url` afterwards."""
    if currency.upper() != IDEAL_CURRENCY:
        raise DomainError(
            code="ideal_currency",
            field="currency",
            message=(
                f"iDEAL pays euros only and this amount is in {currency.upper()}: "
                "let the member pay by card or SEPA debit instead"
            ),
        )
    url = (return_url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise DomainError(
            code="return_url_invalid",
            field="return_url",
            message=(
                "iDEAL sends the member back to return_url after their bank: give the absolute http(s) address "
                f"of the page that shows the payment's outcome (got {url!r})"
            ),
        )
    if bank is not None and bank not in IDEAL_BANKS:
        raise DomainError(
            code="ideal_bank_unknown",
            field="bank",
            message=f"unknown iDEAL bank {bank!r}: use one of {', '.join(sorted(IDEAL_BANKS))}, or leave it out",
        )
    return IdealRequest(return_url=url, bank=bank)


def ensure_payable(status: str, method: str) -> None:
    """Only an amount that is still due can be paid by iDEAL: a failed payment (a declined purchase, a failed
    subscription fee). A pending iDEAL payment may be started again (the same redirect is given back)."""
    if status == "failed" or (status == "pending" and method == IDEAL_EVENT_METHOD):
        return
    if status == "succeeded":
        message = "this payment is already paid: nothing is due"
        code = "payment_settled"
    else:
        message = (
            "this payment is still being collected (e.g. a SEPA debit in progress): wait for its outcome; "
            "if it fails it can be paid by iDEAL"
        )
        code = "payment_in_progress"
    raise DomainError(code=code, field="payment_id", message=message)
