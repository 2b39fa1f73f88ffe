"""The export's percentage: 100 means the ZIP can be downloaded, so nothing short of completed reaches it."""

from __future__ import annotations

import pytest
from gymloop_importer.domain.export_progress import export_percent

pytestmark = pytest.mark.unit


def test_a_queued_export_or_one_without_datasets_yet_is_at_zero() -> None:
    assert export_percent("queued", 0, 0) == 0
    assert export_percent("running", 0, 0) == 0


def test_a_running_export_counts_the_datasets_read_but_stops_short_of_100() -> None:
    assert export_percent("running", 1, 4) == 25
    assert export_percent("running", 4, 4) == 99


def test_only_a_completed_export_is_at_100() -> None:
    assert export_percent("completed", 4, 4) == 100
    assert export_percent("failed", 2, 4) == 50


def test_an_expired_export_had_completed_so_it_stays_at_100() -> None:
    assert export_percent("expired", 4, 4) == 100
