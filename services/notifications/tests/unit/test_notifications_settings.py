from __future__ import annotations

from uuid import UUID

import pytest
from gymloop_notifications.domain.errors import InvalidFieldsError
from gymloop_notifications.domain.settings import (
    AbsenceSettings,
    BirthdaySettings,
    CheckupSettings,
    DownwardTrendSettings,
    NotificationSettings,
    UpwardTrendSettings,
)

pytestmark = pytest.mark.unit


def test_defaults_follow_the_product_examples(settings: NotificationSettings) -> None:
    assert settings.birthday == BirthdaySettings(enabled=True, days_before=3)
    assert settings.absence == AbsenceSettings(enabled=True, days=14)
    assert (settings.downward_trend.percent, settings.downward_trend.days) == (30, 21)
    assert (settings.upward_trend.percent, settings.upward_trend.days) == (50, 14)
    assert settings.checkups == CheckupSettings(
        enabled=True, per_quarter_months_1_3=3, per_quarter_months_4_6=2, per_year_from_month_7=4
    )


def test_partial_update_changes_only_the_given_fields(settings: NotificationSettings) -> None:
    updated = settings.updated({"absence": {"days": 21}, "birthday": {"enabled": False}})
    assert updated.absence.days == 21
    assert updated.absence.enabled is True
    assert updated.birthday.enabled is False
    assert updated.birthday.days_before == 3
    assert updated.downward_trend == settings.downward_trend
    assert settings.absence.days == 14, "the original settings are immutable"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"birthday": {"days_before": -1}}, "birthday.days_before", "setting_out_of_range"),
        ({"birthday": {"days_before": 61}}, "birthday.days_before", "setting_out_of_range"),
        ({"absence": {"days": 0}}, "absence.days", "setting_out_of_range"),
        ({"absence": {"days": "14"}}, "absence.days", "setting_not_integer"),
        ({"absence": {"days": True}}, "absence.days", "setting_not_integer"),
        ({"absence": {"days": 14.0}}, "absence.days", "setting_not_integer"),
        ({"absence": {"enabled": "yes"}}, "absence.enabled", "setting_not_boolean"),
        ({"downward_trend": {"percent": 101}}, "downward_trend.percent", "setting_out_of_range"),
        ({"downward_trend": {"percent": 0}}, "downward_trend.percent", "setting_out_of_range"),
        ({"downward_trend": {"days": 6}}, "downward_trend.days", "setting_out_of_range"),
        ({"upward_trend": {"percent": 1001}}, "upward_trend.percent", "setting_out_of_range"),
        ({"upward_trend": {"days": 183}}, "upward_trend.days", "setting_out_of_range"),
        ({"checkups": {"per_quarter_months_1_3": 14}}, "checkups.per_quarter_months_1_3", "setting_out_of_range"),
        ({"checkups": {"per_quarter_months_4_6": -1}}, "checkups.per_quarter_months_4_6", "setting_out_of_range"),
        ({"checkups": {"per_year_from_month_7": 53}}, "checkups.per_year_from_month_7", "setting_out_of_range"),
        ({"absense": {"days": 3}}, "absense", "setting_unknown"),
        ({"absence": {"dayz": 3}}, "absence.dayz", "setting_unknown"),
        ({"absence": 14}, "absence", "settings_not_object"),
    ],
)
def test_bad_setting_names_the_field(
    settings: NotificationSettings, changes: dict[str, object], field: str, code: str
) -> None:
    with pytest.raises(InvalidFieldsError) as raised:
        settings.updated(changes)
    assert raised.value.fields == (field,)
    assert raised.value.code == code
    assert field in raised.value.message


def test_every_bad_field_is_reported_at_once(settings: NotificationSettings) -> None:
    with pytest.raises(InvalidFieldsError) as raised:
        settings.updated({"absence": {"days": 0}, "upward_trend": {"percent": 0, "days": 400}})
    assert set(raised.value.fields) == {"absence.days", "upward_trend.percent", "upward_trend.days"}
    assert raised.value.code == "validation_failed"


def test_boundaries_are_accepted(settings: NotificationSettings) -> None:
    updated = settings.updated(
        {
            "birthday": {"days_before": 0},
            "absence": {"days": 365},
            "downward_trend": {"percent": 100, "days": 7},
            "upward_trend": {"percent": 1000, "days": 182},
            "checkups": {"per_quarter_months_1_3": 0, "per_quarter_months_4_6": 13, "per_year_from_month_7": 52},
        }
    )
    assert updated.downward_trend.percent == 100
    assert updated.checkups.per_year_from_month_7 == 52


def test_direct_construction_validates_too() -> None:
    with pytest.raises(InvalidFieldsError) as raised:
        DownwardTrendSettings(percent=150)
    assert raised.value.fields == ("downward_trend.percent",)
    with pytest.raises(InvalidFieldsError):
        UpwardTrendSettings(days=0)


def test_round_trip_through_a_mapping(studio_id: UUID, settings: NotificationSettings) -> None:
    changed = settings.updated({"checkups": {"per_year_from_month_7": 6}, "absence": {"enabled": False}})
    stored = changed.to_mapping()
    assert stored["absence"] == {"enabled": False, "days": 14}
    assert NotificationSettings.from_mapping(studio_id, stored) == changed


def test_missing_stored_sections_fall_back_to_defaults(studio_id: UUID) -> None:
    assert NotificationSettings.from_mapping(studio_id, {}) == NotificationSettings.defaults(studio_id)
