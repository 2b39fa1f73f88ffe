"""The import saga on the real broker: one request per row, rows followed to done, completion once.

Members and billing are played by publishing the events they publish for import rows (with import_ref)."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import pytest
from gymloop_contracts.events.billing import PlanPublished, SubscriptionActivated, SubscriptionImportRejected
from gymloop_contracts.events.common import ImportRef
from gymloop_contracts.events.importer import ImportCompleted, MemberImportRequested
from gymloop_contracts.events.members import MemberImportRejected, MemberRegistered, MemberUpdated
from gymloop_devstack.testing import EventProbe, eventually, publish

pytestmark = pytest.mark.integration

IBAN = "NL91 ABNA 0417 1643 00"


async def _ready_studio(importer) -> uuid.UUID:
    plan_id = uuid.uuid4()
    plan = PlanPublished(
        plan_id=plan_id, name="Gold", kind="unlimited", price_cents=4500, currency="EUR", period="monthly", visible=True
    )
    await publish(importer.bootstrap, plan, studio_id=importer.studio_id)
    await importer.announce_collection_method("sepa_export")
    await eventually(lambda: importer.scalar("SELECT count(*) FROM plan_view"))
    return plan_id


def _rows() -> list[list[object]]:
    coach = ["Carla", "Coach", "carla@example.com", date(2024, 1, 1), *[None] * 9, "Yes"]
    jan = ["Jan", "Jansen", "jan@example.com", "2025-01-01", "+31 6 12345678", "17-05-1990", None,
           "carla@example.com", "morning, vip", "Gold", date(2025, 2, 1), IBAN, "J. Jansen", None]  # fmt: skip
    return [coach, jan]


async def _confirm(importer, request: MemberImportRequested, *, created: bool) -> None:
    ref = ImportRef(import_job_id=request.import_job_id, row_number=request.row_number)
    model = MemberRegistered if created else MemberUpdated
    member_id = uuid.uuid5(uuid.NAMESPACE_URL, request.email)
    member = model(
        member_id=member_id,
        account_id=uuid.uuid4(),
        first_name=request.first_name,
        last_name=request.last_name,
        email=request.email,
        start_date=request.start_date,
        role="employee" if request.is_employee else "member",
        import_ref=ref,
    )
    await publish(importer.bootstrap, member, studio_id=importer.studio_id, sequence=1 if created else 2)
    if request.subscription is not None:
        activated = SubscriptionActivated(
            subscription_id=uuid.uuid4(),
            member_id=member_id,
            plan_id=request.subscription.plan_id,
            plan_name=request.subscription.plan_name,
            plan_kind="unlimited",
            valid_from=request.subscription.start_date,
            collection_method="sepa_export",
            import_ref=ref,
        )
        await publish(importer.bootstrap, activated, studio_id=importer.studio_id)


async def test_import_requests_every_row_follows_them_to_done_and_completes_once(importer) -> None:
    plan_id = await _ready_studio(importer)
    data = importer.template(_rows(), ["Gold"])

    async with EventProbe.for_events(importer.bootstrap, MemberImportRequested, ImportCompleted) as probe:
        job = await importer.import_file(data)
        assert job["status"] == "running"
        assert job["validation_percent"] == 100
        assert job["rows_total"] == 2
        assert job["same_as_import_id"] is None

        await probe.wait_for(lambda events: len(events) >= 2)
        requests = [MemberImportRequested.model_validate(e.payload) for e in probe.of_type(MemberImportRequested)]
        requests.sort(key=lambda r: r.row_number)
        carla, jan = requests
        assert carla.is_employee is True
        assert carla.subscription is None
        assert jan.responsible_employee_email == "carla@example.com"
        assert jan.tags == ["morning", "vip"]
        assert jan.subscription is not None
        assert jan.subscription.plan_id == plan_id
        assert jan.subscription.iban == "NL91ABNA0417164300"
        assert jan.subscription.start_date == date(2025, 2, 1)
        assert {e.studio_id for e in probe.received} == {importer.studio_id}

        await _confirm(importer, carla, created=True)
        await eventually(lambda: importer.scalar("SELECT count(*) FROM import_row WHERE member_outcome IS NOT NULL"))
        progress = (await importer.http.get(f"/imports/{job['id']}", headers=importer.staff())).json()
        assert progress["status"] == "running"
        assert progress["rows_done"] == 1
        assert progress["percent_done"] == 50

        await _confirm(importer, jan, created=True)
        await probe.wait_for(lambda events: any(e.event_type == "ImportCompleted" for e in events), settle_s=1.0)

    completed = probe.of_type(ImportCompleted)
    assert len(completed) == 1
    summary = ImportCompleted.model_validate(completed[0].payload)
    assert (summary.rows, summary.members_created, summary.subscriptions_created) == (2, 2, 1)
    final = (await importer.http.get(f"/imports/{job['id']}", headers=importer.staff())).json()
    assert final["status"] == "completed"
    log = (await importer.http.get(f"/imports/{job['id']}/log", headers=importer.staff())).text
    assert "Created: 2" in log
    assert "  Row 3: jan@example.com: Gold from 2025-02-01" in log
    csv_log = await importer.http.get(f"/imports/{job['id']}/log.csv", headers=importer.staff())
    assert csv_log.headers["content-type"].startswith("text/csv")
    assert '"subscription_created","3","","jan@example.com","","Gold from 2025-02-01"' in csv_log.text


async def test_the_same_file_imported_again_is_recognised(importer) -> None:
    await _ready_studio(importer)
    first = await importer.import_file(importer.template(_rows(), ["Gold"]))
    # Saved again (new bytes), rows in another order, e-mail in another case: the same content.
    rows = _rows()
    rows[0][2] = "Carla@Example.com"
    again = importer.template(list(reversed(rows)), ["Gold"])

    second = await importer.import_file(again)

    assert second["status"] == "running"
    assert second["same_as_import_id"] == first["id"]


async def test_redelivered_confirmations_change_nothing(importer) -> None:
    await _ready_studio(importer)
    rows = [["Solo", "Member", "solo@example.com", "2025-01-01"]]
    async with EventProbe.for_events(importer.bootstrap, MemberImportRequested, ImportCompleted) as probe:
        job_id = (await importer.import_file(importer.template(rows)))["id"]
        await probe.wait_for(lambda events: len(events) >= 1)
        request = MemberImportRequested.model_validate(probe.of_type(MemberImportRequested)[0].payload)

        await _confirm(importer, request, created=True)
        await _confirm(importer, request, created=False)  # a later profile event for the same row
        await probe.wait_for(lambda events: any(e.event_type == "ImportCompleted" for e in events), settle_s=2.0)

    assert len(probe.of_type(ImportCompleted)) == 1
    job = (await importer.http.get(f"/imports/{job_id}", headers=importer.staff())).json()
    assert (job["status"], job["members_done"], job["rows_done"]) == ("completed", 1, 1)
    log = (await importer.http.get(f"/imports/{job_id}/log", headers=importer.staff())).text
    assert "Created: 1" in log
    assert "Updated: 0" in log


def _refusal(model, request: MemberImportRequested, *, code: str, field: str | None, message: str):
    return model(
        row_id=request.row_id,
        import_ref=ImportRef(import_job_id=request.import_job_id, row_number=request.row_number),
        email=request.email,
        code=code,
        field=field,
        message=message,
    )


PLAN_GONE = "the plan 'Gold' is no longer active: pick an active plan, or reactivate 'Gold' in billing"
JAN_REFUSED = f"subscription refused by billing: {PLAN_GONE}"
OWNER_EMAIL = "piet@example.com belongs to the studio owner and cannot be overwritten: use another address"


async def test_rows_refused_by_members_or_billing_fail_and_the_import_completes_with_them(importer) -> None:
    await _ready_studio(importer)
    piet = ["Piet", "Owner", "piet@example.com", "2025-01-01"]
    data = importer.template([*_rows(), piet], ["Gold"])

    async with EventProbe.for_events(importer.bootstrap, MemberImportRequested, ImportCompleted) as probe:
        job_id = (await importer.import_file(data))["id"]
        await probe.wait_for(lambda events: len(events) >= 3)
        requests = [MemberImportRequested.model_validate(e.payload) for e in probe.of_type(MemberImportRequested)]
        carla, jan, piet_request = sorted(requests, key=lambda r: r.row_number)

        # Members refuses Piet's row: failed at once, while the others still run.
        await publish(
            importer.bootstrap,
            _refusal(MemberImportRejected, piet_request, code="email_owner", field="email", message=OWNER_EMAIL),
            studio_id=importer.studio_id,
        )
        await eventually(lambda: importer.scalar("SELECT count(*) FROM import_row WHERE status = 'failed'"))
        running = (await importer.http.get(f"/imports/{job_id}", headers=importer.staff())).json()
        assert (running["status"], running["rows_done"], running["rows_failed"]) == ("running", 0, 1)
        assert running["percent_done"] == 33

        # Jan's person is created, then billing refuses his subscription: failed, and both facts are kept.
        await _confirm(importer, carla, created=True)
        member_id = uuid.uuid5(uuid.NAMESPACE_URL, jan.email)
        registered = MemberRegistered(
            member_id=member_id, account_id=uuid.uuid4(), first_name="Jan", last_name="Jansen",
            email=jan.email, start_date=jan.start_date,
            import_ref=ImportRef(import_job_id=jan.import_job_id, row_number=jan.row_number),
        )  # fmt: skip
        await publish(importer.bootstrap, registered, studio_id=importer.studio_id)
        confirmed = "SELECT count(*) = 2 FROM import_row WHERE member_outcome IS NOT NULL"
        await eventually(lambda: importer.scalar(confirmed))
        refusal = _refusal(SubscriptionImportRejected, jan, code="plan_inactive", field="plan_id", message=PLAN_GONE)
        await publish(importer.bootstrap, refusal, studio_id=importer.studio_id)
        await publish(importer.bootstrap, refusal, studio_id=importer.studio_id)  # sent twice: changes nothing
        await probe.wait_for(lambda events: any(e.event_type == "ImportCompleted" for e in events), settle_s=1.0)

        # Refusals after completion change nothing: no second completion, the same log.
        log_before = (await importer.http.get(f"/imports/{job_id}/log", headers=importer.staff())).text
        late = [
            _refusal(MemberImportRejected, carla, code="late", field=None, message="too late"),
            _refusal(SubscriptionImportRejected, jan, code="late", field=None, message="too late"),
        ]
        for event in late:
            await importer.consumed(await publish(importer.bootstrap, event, studio_id=importer.studio_id))
        await probe.wait_for(lambda events: True, settle_s=1.5)

    (completed,) = probe.of_type(ImportCompleted)
    summary = ImportCompleted.model_validate(completed.payload)
    assert (summary.rows, summary.failed_rows) == (3, 2)
    assert (summary.members_created, summary.members_updated, summary.subscriptions_created) == (2, 0, 0)

    final = (await importer.http.get(f"/imports/{job_id}", headers=importer.staff())).json()
    assert (final["status"], final["rows_done"], final["rows_failed"], final["percent_done"]) == (
        "completed", 1, 2, 100
    )  # fmt: skip
    log = (await importer.http.get(f"/imports/{job_id}/log", headers=importer.staff())).text
    assert log == log_before
    assert "Created: 2\n  Row 2: Carla Coach <carla@example.com>\n  Row 3: Jan Jansen <jan@example.com>\n" in log
    assert (
        "Failed: 2\n"
        "  Row 3: Jan Jansen <jan@example.com> (column Subscription): member created; subscription refused by "
        f"billing: {PLAN_GONE}\n"
        f"  Row 4: Piet Owner <piet@example.com> (column E-mail): refused by members: {OWNER_EMAIL}\n"
    ) in log
    assert "too late" not in log

    csv_log = (await importer.http.get(f"/imports/{job_id}/log.csv", headers=importer.staff())).text
    failed_lines = [line for line in csv.reader(io.StringIO(csv_log)) if line[0] == "failed"]
    assert failed_lines == [
        ["failed", "3", "Subscription", "jan@example.com", "Jan Jansen", f"member created; {JAN_REFUSED}"],
        ["failed", "4", "E-mail", "piet@example.com", "Piet Owner", f"refused by members: {OWNER_EMAIL}"],
    ]

    failed = (await importer.http.get(f"/imports/{job_id}/failed-rows", headers=importer.staff())).json()["items"]
    assert [(f["row"], f["email"], f["refused_by"], f["code"], f["member_outcome"]) for f in failed] == [
        (3, "jan@example.com", "billing", "plan_inactive", "created"),
        (4, "piet@example.com", "members", "email_owner", None),
    ]
    assert failed[1]["message"] == OWNER_EMAIL
    assert failed[1]["column"] == "E-mail"
    other = importer.staff(studio_id=uuid.uuid4())
    assert (await importer.http.get(f"/imports/{job_id}/failed-rows", headers=other)).status_code == 404


async def test_refusals_for_another_studio_or_an_unknown_import_change_nothing(importer) -> None:
    await _ready_studio(importer)
    rows = [["Solo", "Member", "solo@example.com", "2025-01-01"]]
    async with EventProbe.for_events(importer.bootstrap, MemberImportRequested) as probe:
        job_id = (await importer.import_file(importer.template(rows)))["id"]
        await probe.wait_for(lambda events: len(events) >= 1)
    request = MemberImportRequested.model_validate(probe.of_type(MemberImportRequested)[0].payload)
    refusal = _refusal(MemberImportRejected, request, code="email_taken", field="email", message="use another")
    unknown_job = request.model_copy(update={"import_job_id": uuid.uuid4(), "row_id": f"{uuid.uuid4()}:2"})

    await importer.consumed(await publish(importer.bootstrap, refusal, studio_id=uuid.uuid4()))
    unknown = _refusal(SubscriptionImportRejected, unknown_job, code="plan_inactive", field=None, message="x")
    await importer.consumed(await publish(importer.bootstrap, unknown, studio_id=importer.studio_id))

    job = (await importer.http.get(f"/imports/{job_id}", headers=importer.staff())).json()
    assert (job["status"], job["rows_done"], job["rows_failed"]) == ("running", 0, 0)
    assert await importer.scalar("SELECT count(*) FROM import_row WHERE status <> 'pending'") == 0
