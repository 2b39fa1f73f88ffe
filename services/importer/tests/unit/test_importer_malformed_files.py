"""Malformed member files, generated with openpyxl: each one is rejected with a located message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from gymloop_importer.domain.errors import ImportRejected
from gymloop_importer.domain.import_context import CollectionMethod, ImportContext
from gymloop_importer.domain.import_file import parse_import_file

pytestmark = pytest.mark.unit

BANK = {"iban": "NL91ABNA0417164300", "account_holder": "J. Jansen"}
FORMAT_HINT = "use an Excel date or type yyyy-mm-dd (e.g. 2025-01-31) or dd-mm-yyyy (e.g. 31-01-2025)"
PHONE_HINT = "use 6 to 15 digits, spaces and an optional leading +, e.g. +31 6 12345678"
NOT_SEPA = (
    "subscriptions can only be imported when the studio collects payments by SEPA Direct Debit Export, "
    "and this studio uses {method} (only free hidden plans are an exception): clear '{plan}' and let the "
    "member subscribe in the app"
)

# Each case: overrides of a valid member row, one dict per sheet row (row 2 onwards), and the exact
# messages expected, in sheet order.
ROW_CASES = [
    pytest.param(
        [{"first_name": None}],
        ["Row 2, column A (First name *): First name is required but empty: fill in the member's first name"],
        id="first-name-empty",
    ),
    pytest.param(
        [{"last_name": "   "}],
        ["Row 2, column B (Last name *): Last name is required but empty: fill in the member's last name"],
        id="last-name-only-spaces",
    ),
    pytest.param(
        [{"email": None}],
        [
            "Row 2, column C (E-mail *): E-mail is required but empty: fill in the member's e-mail address; "
            "they log in with it"
        ],
        id="email-empty",
    ),
    pytest.param(
        [{"start_date": None}],
        [
            "Row 2, column D (Start date *): Start date is required but empty: fill in the date the "
            "membership starts, e.g. 2025-01-31"
        ],
        id="start-date-empty",
    ),
    pytest.param(
        [{"email": "jan@@example.com"}],
        [
            "Row 2, column C (E-mail *): 'jan@@example.com' is not a valid e-mail address (The part after "
            "the @-sign contains invalid characters: '@'): type an address like name@example.com"
        ],
        id="email-two-at-signs",
    ),
    pytest.param(
        [{"email": "jan@example"}],
        [
            "Row 2, column C (E-mail *): 'jan@example' is not a valid e-mail address (The part after the "
            "@-sign is not valid. It should have a period): type an address like name@example.com"
        ],
        id="email-domain-without-dot",
    ),
    pytest.param(
        [{"email": '=HYPERLINK("mailto:jan@example.com","jan@example.com")'}],
        [
            "Row 2, column C (E-mail *): the cell holds the formula "
            '\'=HYPERLINK("mailto:jan@example.com","jan@example.com")\', which is not evaluated: '
            "type the e-mail address itself"
        ],
        id="email-formula",
    ),
    pytest.param(
        [{"start_date": "2025/01/01"}],
        [f"Row 2, column D (Start date *): '2025/01/01' is not a date: {FORMAT_HINT}"],
        id="start-date-slashes",
    ),
    pytest.param(
        [{"start_date": "2025-02-30"}],
        ["Row 2, column D (Start date *): '2025-02-30' is not an existing calendar date: check the day and month"],
        id="start-date-iso-impossible",
    ),
    pytest.param(
        [{"start_date": "31-04-2025"}],
        ["Row 2, column D (Start date *): '31-04-2025' is not an existing calendar date: check the day and month"],
        id="start-date-dutch-impossible",
    ),
    pytest.param(
        [{"start_date": 45000}],
        [
            "Row 2, column D (Start date *): '45000' is a number, not a date: format the cell as a date "
            "or type yyyy-mm-dd"
        ],
        id="start-date-plain-number",
    ),
    pytest.param(
        [{"start_date": "=TODAY()"}],
        [
            "Row 2, column D (Start date *): the cell holds the formula '=TODAY()', which is not "
            "evaluated: type the date itself, e.g. 2025-01-31"
        ],
        id="start-date-formula",
    ),
    pytest.param(
        [{"birth_date": date(2030, 1, 1)}],
        ["Row 2, column F (Birth date): the birth date 2030-01-01 is in the future: check the year"],
        id="birth-date-in-future",
    ),
    pytest.param(
        [{"birth_date": "1890-01-01"}],
        ["Row 2, column F (Birth date): the birth date 1890-01-01 is before 1900: check the year"],
        id="birth-date-before-1900",
    ),
    pytest.param(
        [{"phone": "call me"}],
        [f"Row 2, column E (Phone): 'call me' is not a phone number: {PHONE_HINT}"],
        id="phone-words",
    ),
    pytest.param(
        [{"phone": "123"}],
        [f"Row 2, column E (Phone): '123' is not a phone number: {PHONE_HINT}"],
        id="phone-too-short",
    ),
    pytest.param(
        [{"first_name": "x" * 101}],
        ["Row 2, column A (First name *): the text has 101 characters; at most 100 are allowed: shorten it"],
        id="first-name-too-long",
    ),
    pytest.param(
        [{"tags": "vip, " + "y" * 51}],
        [f"Row 2, column I (Tags): tag '{'y' * 51}' has 51 characters; at most 50 are allowed: shorten it"],
        id="tag-too-long",
    ),
    pytest.param(
        [{"is_employee": "Maybe"}],
        ["Row 2, column N (Employee): 'Maybe' is not Yes or No: choose Yes, No or leave it empty"],
        id="employee-not-yes-no",
    ),
    pytest.param(
        [{"responsible_employee": "boss@example.com"}],
        [
            "Row 2, column H (Responsible employee): boss@example.com is not an employee of this studio: "
            "use the e-mail address of an existing employee, or add that employee as a row with Employee "
            "set to Yes"
        ],
        id="responsible-employee-unknown",
    ),
    pytest.param(
        [{"email": "anna@example.com"}, {"responsible_employee": "Anna@example.com"}],
        [
            "Row 3, column H (Responsible employee): Anna@example.com is on row 2, but that row is not an "
            "employee: set Employee to Yes on row 2, or choose an existing employee"
        ],
        id="responsible-employee-row-not-employee",
    ),
    pytest.param(
        [{"responsible_employee": "boss"}],
        [
            "Row 2, column H (Responsible employee): 'boss' is not a valid e-mail address (An email "
            "address must have an @-sign): type an address like name@example.com"
        ],
        id="responsible-employee-not-an-email",
    ),
    pytest.param(
        [{"subscription": "Platinum", **BANK}],
        [
            "Row 2, column J (Subscription): 'Platinum' is not a plan of this studio: use the exact name "
            "of an existing plan (pick it from the list in the template)"
        ],
        id="plan-unknown",
    ),
    pytest.param(
        [{"subscription": "gold", **BANK}],
        ["Row 2, column J (Subscription): 'gold' does not match a plan name exactly: write it as 'Gold'"],
        id="plan-name-wrong-case",
    ),
    pytest.param(
        [{"subscription": "Gold"}],
        [
            "Row 2, column L (IBAN): IBAN is required with the paid subscription 'Gold': fill in the IBAN "
            "of the account to collect from",
            "Row 2, column M (Account holder): Account holder is required with the paid subscription "
            "'Gold': fill in the name on the bank account",
        ],
        id="paid-plan-without-bank-details",
    ),
    pytest.param(
        [{"subscription": "Gold", "iban": "NL91ABNA0417164300"}],
        [
            "Row 2, column M (Account holder): Account holder is required with the paid subscription "
            "'Gold': fill in the name on the bank account"
        ],
        id="paid-plan-without-account-holder",
    ),
    pytest.param(
        [{"subscription": "Gold", "iban": "NL91ABNA0417164301", "account_holder": "J. Jansen"}],
        ["Row 2, column L (IBAN): IBAN 'NL91ABNA0417164301' has a bad checksum: check the digits"],
        id="iban-bad-checksum",
    ),
    pytest.param(
        [{"subscription": "Gold", "iban": "XX91ABNA0417164300", "account_holder": "J. Jansen"}],
        [
            "Row 2, column L (IBAN): IBAN 'XX91ABNA0417164300' does not start with a known country code: "
            "it starts with two letters like NL or BE"
        ],
        id="iban-unknown-country",
    ),
    pytest.param(
        [{"subscription": "Gold", "iban": "NL91ABNA04171643OO", "account_holder": "J. Jansen"}],
        [
            "Row 2, column L (IBAN): IBAN 'NL91ABNA04171643OO' does not have the structure of its "
            "country: check for letters typed as digits (O/0, I/1)"
        ],
        id="iban-letters-for-digits",
    ),
    pytest.param(
        [{"subscription": "Gold", "iban": "NL91ABNA041716430", "account_holder": "J. Jansen"}],
        [
            "Row 2, column L (IBAN): IBAN 'NL91ABNA041716430' has the wrong length for its country: check "
            "for missing or extra characters"
        ],
        id="iban-too-short",
    ),
    pytest.param(
        [{"subscription": "Gold", "iban": "=A1", "account_holder": "J. Jansen"}],
        ["Row 2, column L (IBAN): the cell holds the formula '=A1', which is not evaluated: type the IBAN itself"],
        id="iban-formula",
    ),
    pytest.param(
        [{"iban": "NL91ABNA0417164300"}],
        [
            "Row 2, column L (IBAN): IBAN is only used with a subscription: fill in Subscription on this "
            "row or clear this cell"
        ],
        id="iban-without-subscription",
    ),
    pytest.param(
        [{"iban": "NL91ABNA0417164301"}],
        ["Row 2, column L (IBAN): IBAN 'NL91ABNA0417164301' has a bad checksum: check the digits"],
        id="bad-iban-without-subscription-reported-once",
    ),
    pytest.param(
        [{"subscription_start_date": date(2025, 2, 1)}],
        [
            "Row 2, column K (Subscription start date): Subscription start date is only used with a "
            "subscription: fill in Subscription on this row or clear this cell"
        ],
        id="subscription-start-without-subscription",
    ),
    pytest.param(
        [{"subscription": "Gold", "subscription_start_date": date(2024, 12, 1), **BANK}],
        [
            "Row 2, column K (Subscription start date): the subscription starts on 2024-12-01, before the "
            "member's start date 2025-01-01: use a date on or after the start date"
        ],
        id="subscription-starts-before-member",
    ),
    pytest.param(
        [{"subscription": "Staff access", "iban": "NL91ABNA0417164300"}],
        [
            "Row 2, column M (Account holder): Account holder is required with the free subscription "
            "'Staff access': fill in the name on the bank account"
        ],
        id="free-plan-without-account-holder",
    ),
    pytest.param(
        [{"subscription": "Gold", "iban": "NL91ABNA0417164300", "account_holder": "h" * 71}],
        ["Row 2, column M (Account holder): the text has 71 characters; at most 70 are allowed: shorten it"],
        id="account-holder-too-long",
    ),
    pytest.param(
        [{}, {"email": "JAN@Example.com", "first_name": "Janneke"}],
        [
            "Row 3, column C (E-mail *): JAN@example.com is also used on row 2 (e-mail addresses are "
            "compared ignoring case): every member needs their own e-mail address, so change or remove "
            "row 2 or row 3"
        ],
        id="duplicate-email-ignoring-case",
    ),
    pytest.param(
        [{"first_name": None, "email": "nope", "is_employee": "ja"}],
        [
            "Row 2, column A (First name *): First name is required but empty: fill in the member's first name",
            "Row 2, column C (E-mail *): 'nope' is not a valid e-mail address (An email address must have "
            "an @-sign): type an address like name@example.com",
            "Row 2, column N (Employee): 'ja' is not Yes or No: choose Yes, No or leave it empty",
        ],
        id="several-errors-in-one-row-in-column-order",
    ),
    pytest.param(
        [{"start_date": "tomorrow"}, {"email": "piet@example.com", "last_name": None}],
        [
            f"Row 2, column D (Start date *): 'tomorrow' is not a date: {FORMAT_HINT}",
            "Row 3, column B (Last name *): Last name is required but empty: fill in the member's last name",
        ],
        id="errors-on-several-rows-in-row-order",
    ),
    pytest.param(
        [{"email": "a@example.com"}, {}, {"email": "b@example.com"}, {"email": "jan@example.com"}],
        [
            "Row 5, column C (E-mail *): jan@example.com is also used on row 3 (e-mail addresses are "
            "compared ignoring case): every member needs their own e-mail address, so change or remove "
            "row 3 or row 5"
        ],
        id="duplicate-email-far-apart",
    ),
]


@pytest.mark.parametrize(("rows", "expected"), ROW_CASES)
def test_malformed_rows_are_rejected_with_row_column_and_fix(
    rows: list[dict[str, Any]],
    expected: list[str],
    xlsx: Callable[..., bytes],
    row: Callable[..., dict[str, Any]],
    context: ImportContext,
) -> None:
    parsed = parse_import_file(xlsx([row(**overrides) for overrides in rows]), context)

    assert [str(issue) for issue in parsed.issues] == expected
    assert not parsed.is_valid
    assert parsed.fingerprint is None
    with pytest.raises(ImportRejected) as rejected:
        _ = parsed.rows
    assert rejected.value.code == "import_invalid"
    assert len(rejected.value.issues) == len(expected)


@pytest.mark.parametrize(
    ("method", "plan", "label"),
    [
        pytest.param(CollectionMethod.STRIPE, "Gold", "Stripe", id="stripe-paid-visible"),
        pytest.param(CollectionMethod.STRIPE, "Free trial", "Stripe", id="stripe-free-but-visible"),
        pytest.param(CollectionMethod.STRIPE, "Hidden paid", "Stripe", id="stripe-hidden-but-paid"),
        pytest.param(CollectionMethod.OFFLINE, "Gold", "offline payment", id="offline-paid"),
    ],
)
def test_subscription_rejected_when_studio_does_not_collect_by_sepa_export(
    method: CollectionMethod,
    plan: str,
    label: str,
    xlsx: Callable[..., bytes],
    row: Callable[..., dict[str, Any]],
    context: ImportContext,
) -> None:
    studio = ImportContext.build(context.plans, method, context.today, context.known_employee_emails)
    parsed = parse_import_file(xlsx([row(subscription=plan, **BANK)]), studio)

    expected = "Row 2, column J (Subscription): " + NOT_SEPA.format(method=label, plan=plan)
    assert [str(issue) for issue in parsed.issues] == [expected]


def test_subscription_rejected_until_billing_announces_the_collection_method(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    studio = ImportContext.build(context.plans, CollectionMethod.UNKNOWN, context.today, context.known_employee_emails)
    parsed = parse_import_file(xlsx([row(subscription="Gold", **BANK)]), studio)

    assert [(issue.code, str(issue)) for issue in parsed.issues] == [
        (
            "collection_method_unknown",
            "Row 2, column J (Subscription): subscriptions can only be imported when the studio collects payments "
            "by SEPA Direct Debit Export, and billing has not told the importer yet how this studio collects (only "
            "free hidden plans are an exception): configure the collection method in billing first (billing "
            "settings), then import the file again, or clear 'Gold' and let the member subscribe in the app",
        )
    ]


@pytest.mark.parametrize("method", [CollectionMethod.STRIPE, CollectionMethod.OFFLINE, CollectionMethod.UNKNOWN])
def test_free_hidden_plan_imports_whatever_the_collection_method(
    method: CollectionMethod,
    xlsx: Callable[..., bytes],
    row: Callable[..., dict[str, Any]],
    context: ImportContext,
) -> None:
    studio = ImportContext.build(context.plans, method, context.today, context.known_employee_emails)
    parsed = parse_import_file(xlsx([row(subscription="Staff access", is_employee="Yes", **BANK)]), studio)

    assert parsed.issues == ()
    subscription = parsed.rows[0].subscription
    assert subscription is not None
    assert subscription.plan_name == "Staff access"
    assert subscription.bank_account.iban == "NL91ABNA0417164300"


# Header problems: (headers, keys under which row values are placed, row overrides, expected).
ALL_KEYS = (
    "first_name",
    "last_name",
    "email",
    "start_date",
    "phone",
    "birth_date",
    "address",
    "responsible_employee",
    "tags",
    "subscription",
    "subscription_start_date",
    "iban",
    "account_holder",
    "is_employee",
)
ALL_HEADERS = (
    "First name *",
    "Last name *",
    "E-mail *",
    "Start date *",
    "Phone",
    "Birth date",
    "Address",
    "Responsible employee",
    "Tags",
    "Subscription",
    "Subscription start date",
    "IBAN",
    "Account holder",
    "Employee",
)
ACCEPTED = ", ".join(header.rstrip(" *") for header in ALL_HEADERS)

HEADER_CASES = [
    pytest.param(
        ("First name *", "Last name *", "Start date *"),
        ("first_name", "last_name", "start_date"),
        [{}],
        [
            "Row 1: the required column 'E-mail' is missing: add a column with the header 'E-mail *' "
            "(column C in the template)"
        ],
        id="required-header-missing",
    ),
    pytest.param(
        ("First name *", "E-mail *"),
        ("first_name", "email"),
        [{}],
        [
            "Row 1: the required column 'Last name' is missing: add a column with the header 'Last name *' "
            "(column B in the template)",
            "Row 1: the required column 'Start date' is missing: add a column with the header "
            "'Start date *' (column D in the template)",
        ],
        id="two-required-headers-missing",
    ),
    pytest.param(
        (*ALL_HEADERS, "Notes"),
        (*ALL_KEYS, "notes"),
        [{"notes": "pays cash"}],
        [
            "Row 1, column O (Notes): 'Notes' is not a column of the import template: remove the column "
            f"or rename it to one of: {ACCEPTED}"
        ],
        id="unknown-extra-column",
    ),
    pytest.param(
        (*ALL_HEADERS, "email"),
        (*ALL_KEYS, "second_email"),
        [{"second_email": "other@example.com"}],
        ["Row 1, column O (email): the column 'E-mail' appears twice (also column C): keep one of the two columns"],
        id="duplicate-column",
    ),
    pytest.param(
        (*ALL_HEADERS, None),
        (*ALL_KEYS, "unnamed"),
        [{}, {"email": "piet@example.com", "unnamed": "note"}],
        [
            "Row 3, column O: this column has values but no header: give it a header from the template or "
            "clear the column"
        ],
        id="values-under-empty-header",
    ),
    pytest.param(
        ALL_HEADERS,
        ALL_KEYS,
        [],
        ["File: there are no member rows below the header: add one member per row"],
        id="header-without-members",
    ),
    pytest.param(
        (),
        (),
        [],
        ["File: the sheet 'Members' is empty: put the template's header row in row 1 and one member per row below it."],
        id="empty-sheet",
    ),
]


@pytest.mark.parametrize(("headers", "keys", "rows", "expected"), HEADER_CASES)
def test_malformed_headers_are_rejected_with_location_and_fix(
    headers: tuple[str | None, ...],
    keys: tuple[str, ...],
    rows: list[dict[str, Any]],
    expected: list[str],
    xlsx: Callable[..., bytes],
    row: Callable[..., dict[str, Any]],
    context: ImportContext,
) -> None:
    data = xlsx([row(**overrides) for overrides in rows], headers=headers, keys=keys)

    parsed = parse_import_file(data, context)

    assert [str(issue) for issue in parsed.issues] == expected
    assert not parsed.is_valid


def test_missing_required_column_does_not_repeat_on_every_row(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    rows = [row(email=f"m{number}@example.com") for number in range(5)]
    data = xlsx(rows, headers=("First name *", "E-mail *", "Start date *"), keys=("first_name", "email", "start_date"))

    issues = parse_import_file(data, context).issues

    assert [issue.code for issue in issues] == ["column_missing"]
    assert issues[0].row == 1


def test_error_letters_follow_the_users_column_order(
    xlsx: Callable[..., bytes], row: Callable[..., dict[str, Any]], context: ImportContext
) -> None:
    data = xlsx(
        [row(email="not-an-email")],
        headers=("email", "START DATE", "first name", "Last Name"),
        keys=("email", "start_date", "first_name", "last_name"),
    )

    issues = parse_import_file(data, context).issues

    assert len(issues) == 1
    assert issues[0].location == "Row 2, column A (email)"
    assert issues[0].code == "email_invalid"
