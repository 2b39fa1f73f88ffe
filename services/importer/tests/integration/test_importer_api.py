"""The importer over HTTP on a real database and broker: template, rejection, dry run, access."""

from __future__ import annotations

import io
import uuid
from datetime import date

import openpyxl
import pytest
from gymloop_contracts.events.billing import PlanPublished, SubscriptionActivated
from gymloop_contracts.events.members import MemberRegistered
from gymloop_devstack.testing import error_fields, eventually, publish

pytestmark = pytest.mark.integration

IBAN = "NL91ABNA0417164300"


async def _publish_plan(importer, name: str, *, price_cents: int = 4500, visible: bool = True) -> uuid.UUID:
    plan_id = uuid.uuid4()
    event = PlanPublished(
        plan_id=plan_id,
        name=name,
        kind="free" if price_cents == 0 else "unlimited",
        price_cents=price_cents,
        currency="EUR",
        period="monthly",
        visible=visible,
    )
    await publish(importer.bootstrap, event, studio_id=importer.studio_id)
    await eventually(lambda: importer.scalar("SELECT count(*) FROM plan_view WHERE plan_id = :id", id=plan_id))
    return plan_id


async def test_health_and_template_for_staff_only(importer) -> None:
    assert (await importer.http.get("/health")).status_code == 200
    assert (await importer.http.get("/ready")).status_code == 200
    await _publish_plan(importer, "Gold")

    response = await importer.http.get("/imports/template", headers=importer.staff())

    assert response.status_code == 200
    assert response.content[:2] == b"PK"
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook["Lists"]["A1"].value == "Gold"
    member = importer.tokens.headers(studio_id=importer.studio_id, role="member")
    assert (await importer.http.get("/imports/template", headers=member)).status_code == 403
    assert (await importer.http.get("/imports/template")).status_code == 401


async def test_malformed_file_is_rejected_with_located_messages_and_nothing_requested(importer) -> None:
    data = importer.template(
        [
            ["Jan", "Jansen", "jan@example.com", "2025-01-01"],
            ["Piet", None, "JAN@example.com", "2025-02-30"],
        ]
    )

    body = await importer.rejection(data)

    assert body["code"] == "import_invalid"
    assert [entry["msg"] for entry in body["errors"]] == [
        "Row 3, column B (Last name *): Last name is required but empty: fill in the member's last name",
        "Row 3, column C (E-mail *): JAN@example.com is also used on row 2 (e-mail addresses are compared "
        "ignoring case): every member needs their own e-mail address, so change or remove row 2 or row 3",
        "Row 3, column D (Start date *): '2025-02-30' is not an existing calendar date: check the day and month",
    ]
    assert body["errors"][0]["row"] == 3
    assert body["errors"][0]["column_letter"] == "B"
    assert await importer.scalar("SELECT count(*) FROM outbox") == 0
    assert await importer.scalar("SELECT count(*) FROM import_row") == 0
    log = await importer.http.get(f"/imports/{body['import_id']}/log", headers=importer.staff())
    assert log.status_code == 200
    assert "No members were created" in log.text
    assert "Row 3, column D (Start date *)" in log.text


async def test_oversize_upload_is_refused_with_413(importer) -> None:
    response = await importer.http.post(
        "/imports", headers=importer.staff(), **importer.upload(b"PK" + b"\x00" * (5 * 1024 * 1024))
    )

    assert response.status_code == 413
    assert error_fields(response)[0]["type"] == "file_too_large"
    assert await importer.scalar("SELECT count(*) FROM import_job") == 0


async def test_subscription_refused_until_billing_announces_the_collection_method(importer) -> None:
    await _publish_plan(importer, "Gold")
    data = importer.template(
        [["Jan", "Jansen", "jan@example.com", "2025-01-01", *[None] * 5, "Gold", None, IBAN, "J. Jansen"]],
        ["Gold"],
    )
    settings = (await importer.http.get("/import-settings", headers=importer.staff())).json()
    assert settings["collection_method"] == "unknown"
    assert settings["subscriptions_importable"] == "free_hidden_plans_only"
    assert "configure it in billing first" in settings["explanation"]

    (entry,) = (await importer.rejection(data))["errors"]
    assert entry["type"] == "collection_method_unknown"
    assert entry["msg"].startswith(
        "Row 2, column J (Subscription): subscriptions can only be imported when the studio collects payments by "
        "SEPA Direct Debit Export, and billing has not told the importer yet how this studio collects"
    )
    assert "configure the collection method in billing first" in entry["msg"]
    assert await importer.scalar("SELECT count(*) FROM outbox") == 0
    assert await importer.scalar("SELECT count(*) FROM import_row") == 0

    # Staff can no longer set the method in the importer: billing is its only source.
    admin = importer.staff(role="admin")
    override = await importer.http.put("/import-settings", json={"collection_method": "sepa_export"}, headers=admin)
    assert override.status_code == 405
    assert (await importer.http.get("/import-settings", headers=admin)).json()["collection_method"] == "unknown"

    await importer.announce_collection_method("sepa_export")

    accepted = await importer.import_file(data)
    assert accepted["status"] == "running"
    assert accepted["problem"] is None
    import_id = accepted["id"]
    assert (accepted["log_url"], accepted["log_csv_url"]) == (
        f"/imports/{import_id}/log",
        f"/imports/{import_id}/log.csv",
    )  # called directly, the service's own paths, which answer
    assert (await importer.http.get(accepted["log_url"], headers=importer.staff())).status_code == 200
    through_the_gateway = {**importer.staff(), "X-Forwarded-Prefix": "/api/v1/importer"}
    seen = (await importer.http.get(f"/imports/{import_id}", headers=through_the_gateway)).json()
    assert (seen["log_url"], seen["failed_rows_url"]) == (
        f"/api/v1/importer/imports/{import_id}/log",
        f"/api/v1/importer/imports/{import_id}/failed-rows",
    )


async def test_billing_settings_drive_the_collection_method_newest_first_per_studio(importer) -> None:
    await _publish_plan(importer, "Gold")
    gold = importer.template(
        [["Jan", "Jansen", "jan@example.com", "2025-01-01", *[None] * 5, "Gold", None, IBAN, "J. Jansen"]],
        ["Gold"],
    )
    other_studio = uuid.uuid4()
    await importer.announce_collection_method("sepa_export", sequence=2)
    await importer.announce_collection_method("stripe", sequence=1)  # older: arrives late, ignored
    await importer.announce_collection_method("offline", studio_id=other_studio)

    settings = (await importer.http.get("/import-settings", headers=importer.staff())).json()
    assert (settings["collection_method"], settings["subscriptions_importable"]) == ("sepa_export", "all_plans")
    other = (await importer.http.get("/import-settings", headers=importer.staff(studio_id=other_studio))).json()
    assert other["collection_method"] == "offline"

    await importer.announce_collection_method("stripe", sequence=3)
    # A subscription activated for some member no longer feeds the collection method.
    activated = SubscriptionActivated(
        subscription_id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        plan_id=uuid.uuid4(),
        plan_name="Gold",
        plan_kind="unlimited",
        valid_from=date(2025, 1, 1),
        collection_method="sepa_export",
    )
    await importer.consumed(await publish(importer.bootstrap, activated, studio_id=importer.studio_id))

    settings = (await importer.http.get("/import-settings", headers=importer.staff())).json()
    assert settings["collection_method"] == "stripe"
    assert "Stripe" in settings["explanation"]
    refused = (await importer.rejection(gold))["errors"]
    assert refused[0]["type"] == "subscription_not_importable"
    assert "this studio uses Stripe" in refused[0]["msg"]


async def test_dry_run_shows_creations_and_field_changes_and_changes_nothing(importer) -> None:
    existing = MemberRegistered(
        member_id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        first_name="Piet",
        last_name="Pietersen",
        email="piet@example.com",
        phone="0600000000",
        start_date=date(2024, 3, 1),
    )
    await publish(importer.bootstrap, existing, studio_id=importer.studio_id)
    await eventually(lambda: importer.scalar("SELECT count(*) FROM member_view"))
    data = importer.template(
        [
            ["Jan", "Jansen", "jan@example.com", "2025-01-01"],
            ["Piet", "Pieters", "Piet@Example.com", "2024-03-01", "0612345678"],
        ]
    )

    response = await importer.http.post("/imports/dry-run", headers=importer.staff(), **importer.upload(data))

    assert response.status_code == 200
    body = response.json()
    assert [m["email"] for m in body["to_create"]] == ["jan@example.com"]
    (update,) = body["to_update"]
    assert update["row"] == 3
    assert update["changes"] == [
        {"field": "last_name", "old": "Pietersen", "new": "Pieters"},
        {"field": "phone", "old": "0600000000", "new": "0612345678"},
    ]
    assert await importer.scalar("SELECT count(*) FROM outbox") == 0
    assert await importer.scalar("SELECT count(*) FROM import_job") == 0


async def test_another_studio_cannot_see_or_delete_an_import(importer) -> None:
    data = importer.template([["Jan", None, "jan@example.com", "2025-01-01"]])
    import_id = (await importer.rejection(data))["import_id"]
    other = importer.staff(studio_id=uuid.uuid4(), role="admin")

    for path in (f"/imports/{import_id}", f"/imports/{import_id}/log", f"/imports/{import_id}/log.csv"):
        assert (await importer.http.get(path, headers=other)).status_code == 404
    assert (await importer.http.delete(f"/imports/{import_id}", headers=other)).status_code == 404
    assert (await importer.http.get("/imports", headers=other)).json()["items"] == []
    assert (await importer.http.delete(f"/imports/{import_id}", headers=importer.staff())).status_code == 204
    assert (await importer.http.get(f"/imports/{import_id}", headers=importer.staff())).status_code == 404


MALFORMED_ROWS = [
    (["Jan", "Jansen", "jan@@example.com", "2025-01-01"], "Row 2, column C (E-mail *): 'jan@@example.com'"),
    (["Jan", "Jansen", "jan@example.com", "2025/01/01"], "Row 2, column D (Start date *): '2025/01/01'"),
    (["Jan", "Jansen", '=HYPERLINK("x")', "2025-01-01"], "Row 2, column C (E-mail *): the cell holds the formula"),
    ([None, "Jansen", "jan@example.com", "2025-01-01"], "Row 2, column A (First name *): First name is required"),
    (["Jan", "Jansen", "jan@example.com", "2025-01-01", "call me"], "Row 2, column E (Phone): 'call me'"),
    (["Jan", "Jansen", "jan@example.com", "2025-01-01", None, "2999-01-01"], "Row 2, column F (Birth date)"),
    (["Jan", "Jansen", "jan@example.com", "2025-01-01", *[None] * 9, "Maybe"], "Row 2, column N (Employee)"),
    (["Jan", "Jansen", "jan@example.com", "2025-01-01", *[None] * 3, "boss@example.com"], "Row 2, column H"),
    (["Jan", "Jansen", "jan@example.com", "2025-01-01", *[None] * 5, "Platinum"], "Row 2, column J (Subscription)"),
    (["Jan", "Jansen", "jan@example.com", "2025-01-01", *[None] * 7, "NL91ABNA0417164301"], "Row 2, column L"),
]


async def test_many_malformed_files_over_http_are_rejected_and_request_nothing(importer) -> None:
    for row, expected_start in MALFORMED_ROWS:
        messages = [entry["msg"] for entry in (await importer.rejection(importer.template([row])))["errors"]]
        assert len(messages) == 1, messages
        assert messages[0].startswith(expected_start), messages
    assert await importer.scalar("SELECT count(*) FROM outbox") == 0
    assert await importer.scalar("SELECT count(*) FROM import_row") == 0
    assert await importer.scalar("SELECT count(*) FROM import_job WHERE status = 'rejected'") == len(MALFORMED_ROWS)
