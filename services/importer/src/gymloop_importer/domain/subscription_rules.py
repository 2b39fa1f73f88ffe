"""Which subscriptions an import may create, and the bank details each one needs."""

from __future__ import annotations

from datetime import date

from gymloop_importer.domain.import_context import CollectionMethod, ImportContext, PlanInfo
from gymloop_importer.domain.import_row import BankAccount, SubscriptionRequest
from gymloop_importer.domain.row_parsing import RowParser

_ONLY_WITH_SUBSCRIPTION = ("subscription_start_date", "iban", "account_holder")


def parse_subscription(
    parser: RowParser, context: ImportContext, member_start: date | None
) -> SubscriptionRequest | None:
    """The subscription a row asks for, or None (no subscription, or a problem that has been reported)."""
    plan_name = parser.text("subscription")
    start = parser.date("subscription_start_date")
    iban = parser.iban("iban")
    holder = parser.text("account_holder")

    if plan_name is None:
        if not parser.is_filled("subscription"):
            for key in _ONLY_WITH_SUBSCRIPTION:
                if parser.is_filled(key) and not parser.has_issue(key):
                    header = parser.placements[key].spec.header
                    parser.report(
                        key,
                        "needs_subscription",
                        f"{header} is only used with a subscription: fill in Subscription on this row "
                        "or clear this cell",
                    )
        return None

    plan = _find_plan(parser, context, plan_name)
    if plan is None:
        return None
    if context.collection_method is CollectionMethod.UNKNOWN and not plan.importable_without_sepa:
        parser.report(
            "subscription",
            "collection_method_unknown",
            "subscriptions can only be imported when the studio collects payments by SEPA Direct Debit "
            "Export, and billing has not told the importer yet how this studio collects (only free hidden "
            "plans are an exception): configure the collection method in billing first (billing settings), "
            f"then import the file again, or clear '{plan.name}' and let the member subscribe in the app",
        )
        return None
    if context.collection_method is not CollectionMethod.SEPA_EXPORT and not plan.importable_without_sepa:
        parser.report(
            "subscription",
            "subscription_not_importable",
            f"subscriptions can only be imported when the studio collects payments by SEPA Direct Debit "
            f"Export, and this studio uses {context.collection_method.label} (only free hidden plans are "
            f"an exception): clear '{plan.name}' and let the member subscribe in the app",
        )
        return None

    _require_bank_details(parser, plan)
    if start is not None and member_start is not None and start < member_start:
        parser.report(
            "subscription_start_date",
            "subscription_before_start",
            f"the subscription starts on {start.isoformat()}, before the member's start date "
            f"{member_start.isoformat()}: use a date on or after the start date",
        )
        return None
    subscription_start = start or member_start
    if subscription_start is None:
        return None
    if iban is None or holder is None:
        return None
    return SubscriptionRequest(plan.name, subscription_start, BankAccount(iban, holder))


def _find_plan(parser: RowParser, context: ImportContext, plan_name: str) -> PlanInfo | None:
    plan = context.plan_named(plan_name)
    if plan is not None:
        return plan
    near = context.plan_named_loosely(plan_name)
    if near is not None:
        parser.report(
            "subscription",
            "plan_name_inexact",
            f"'{plan_name}' does not match a plan name exactly: write it as '{near.name}'",
        )
    else:
        parser.report(
            "subscription",
            "plan_unknown",
            f"'{plan_name}' is not a plan of this studio: use the exact name of an existing plan "
            "(pick it from the list in the template)",
        )
    return None


def _require_bank_details(parser: RowParser, plan: PlanInfo) -> None:
    """Every imported subscription comes with a SEPA mandate (seed 003; the MemberImportRequested contract)."""
    kind = "free" if plan.is_free else "paid"
    for key, header, what in (
        ("iban", "IBAN", "the IBAN of the account to collect from"),
        ("account_holder", "Account holder", "the name on the bank account"),
    ):
        if not parser.is_filled(key):
            parser.report(
                key,
                f"{key}_required",
                f"{header} is required with the {kind} subscription '{plan.name}': fill in {what}",
            )
