"""When BillingSettingsChanged is due, and the importer's row id billing rebuilds for a refusal."""

from __future__ import annotations

import uuid

import pytest
from gymloop_billing.domain.collection import AnnouncedSettings, CollectionMethod, StudioBillingSettings
from gymloop_billing.domain.creditor import Creditor
from gymloop_billing.domain.imported_subscriptions import import_row_id

pytestmark = pytest.mark.unit

STRIPE = AnnouncedSettings(CollectionMethod.STRIPE, "EUR", overdue_members_may_book=False)


def test_the_first_configuration_is_announced() -> None:
    assert STRIPE.worth_announcing(None)


def test_the_same_values_again_are_not_announced() -> None:
    assert not STRIPE.worth_announcing(AnnouncedSettings(CollectionMethod.STRIPE, "EUR", False))


@pytest.mark.parametrize(
    "before",
    [
        AnnouncedSettings(CollectionMethod.SEPA_EXPORT, "EUR", False),
        AnnouncedSettings(CollectionMethod.STRIPE, "CHF", False),
        AnnouncedSettings(CollectionMethod.STRIPE, "EUR", True),
    ],
    ids=["collection_method", "currency", "overdue_members_may_book"],
)
def test_each_announced_value_that_changes_is_announced(before: AnnouncedSettings) -> None:
    assert STRIPE.worth_announcing(before)


def test_creditor_details_are_not_part_of_the_announcement() -> None:
    def sepa(name: str) -> StudioBillingSettings:
        creditor = Creditor.create(name=name, iban="NL91ABNA0417164300", creditor_id="NL57ZZZ999999999999")
        return StudioBillingSettings(uuid.uuid4(), CollectionMethod.SEPA_EXPORT, creditor=creditor)

    assert not sepa("Sportschool Zoe").announced.worth_announcing(sepa("Zoe Fitness").announced)


def test_import_row_id_is_the_importers_job_and_row_number() -> None:
    job = uuid.UUID("8b7f0c52-2a4e-4f5e-9d7a-0c1d2e3f4a5b")
    assert import_row_id(job, 17) == "8b7f0c52-2a4e-4f5e-9d7a-0c1d2e3f4a5b:17"
