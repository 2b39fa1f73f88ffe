"""Per-studio notification settings: each kind can be switched on/off and tuned.

Defaults follow the product examples: birthday 3 days ahead, absence after 14 days, downward
trend of 30% over 21 days, upward trend of 50% over 14 days, and check-ups 3 per quarter in
months 1-3, 2 per quarter in months 4-6 and 4 per year from month 7.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar, Self
from uuid import UUID

from gymloop_kit.errors import AppError

from gymloop_notifications.domain.errors import DomainError, InvalidFieldsError, raise_if_any


def _check_int(value: object, field_name: str, low: int, high: int, unit: str) -> DomainError | None:
    # bool is an int subclass; "true" is never a valid number of days.
    if not isinstance(value, int) or isinstance(value, bool):
        return DomainError(
            code="setting_not_integer",
            field=field_name,
            message=f"must be a whole number of {unit} between {low} and {high}, got {value!r}",
        )
    if not low <= value <= high:
        return DomainError(
            code="setting_out_of_range",
            field=field_name,
            message=f"must be between {low} and {high} {unit}, got {value}",
        )
    return None


def _check_bool(value: object, field_name: str) -> DomainError | None:
    if not isinstance(value, bool):
        return DomainError(
            code="setting_not_boolean",
            field=field_name,
            message=f"must be true or false, got {value!r}",
        )
    return None


def _present(*errors: DomainError | None) -> list[DomainError]:
    return [error for error in errors if error is not None]


@dataclass(frozen=True, slots=True)
class BirthdaySettings:
    section: ClassVar[str] = "birthday"
    MAX_DAYS_BEFORE: ClassVar[int] = 60

    enabled: bool = True
    days_before: int = 3

    def __post_init__(self) -> None:
        raise_if_any(self.errors())

    def errors(self) -> list[DomainError]:
        return _present(
            _check_bool(self.enabled, f"{self.section}.enabled"),
            _check_int(self.days_before, f"{self.section}.days_before", 0, self.MAX_DAYS_BEFORE, "days"),
        )


@dataclass(frozen=True, slots=True)
class AbsenceSettings:
    section: ClassVar[str] = "absence"

    enabled: bool = True
    days: int = 14

    def __post_init__(self) -> None:
        raise_if_any(self.errors())

    def errors(self) -> list[DomainError]:
        return _present(
            _check_bool(self.enabled, f"{self.section}.enabled"),
            _check_int(self.days, f"{self.section}.days", 1, 365, "days"),
        )


@dataclass(frozen=True, slots=True)
class DownwardTrendSettings:
    """`percent` fewer visits in the last `days` days than in the `days` days before."""

    section: ClassVar[str] = "downward_trend"
    MAX_PERCENT: ClassVar[int] = 100  # a drop cannot exceed 100%: the member cannot attend less than never

    enabled: bool = True
    percent: int = 30
    days: int = 21

    def __post_init__(self) -> None:
        raise_if_any(self.errors())

    def errors(self) -> list[DomainError]:
        return _present(
            _check_bool(self.enabled, f"{self.section}.enabled"),
            _check_int(self.percent, f"{self.section}.percent", 1, self.MAX_PERCENT, "percent"),
            _check_int(self.days, f"{self.section}.days", 7, 182, "days"),
        )


@dataclass(frozen=True, slots=True)
class UpwardTrendSettings:
    """`percent` more visits in the last `days` days than in the `days` days before."""

    section: ClassVar[str] = "upward_trend"
    MAX_PERCENT: ClassVar[int] = 1000

    enabled: bool = True
    percent: int = 50
    days: int = 14

    def __post_init__(self) -> None:
        raise_if_any(self.errors())

    def errors(self) -> list[DomainError]:
        return _present(
            _check_bool(self.enabled, f"{self.section}.enabled"),
            _check_int(self.percent, f"{self.section}.percent", 1, self.MAX_PERCENT, "percent"),
            _check_int(self.days, f"{self.section}.days", 7, 182, "days"),
        )


@dataclass(frozen=True, slots=True)
class CheckupSettings:
    """How many check-ups per period, counted from the member's start date.

    Zero in a period means no check-ups in that period.
    """

    section: ClassVar[str] = "checkups"

    enabled: bool = True
    per_quarter_months_1_3: int = 3
    per_quarter_months_4_6: int = 2
    per_year_from_month_7: int = 4

    def __post_init__(self) -> None:
        raise_if_any(self.errors())

    def errors(self) -> list[DomainError]:
        s = self.section
        return _present(
            _check_bool(self.enabled, f"{s}.enabled"),
            _check_int(self.per_quarter_months_1_3, f"{s}.per_quarter_months_1_3", 0, 13, "check-ups"),
            _check_int(self.per_quarter_months_4_6, f"{s}.per_quarter_months_4_6", 0, 13, "check-ups"),
            _check_int(self.per_year_from_month_7, f"{s}.per_year_from_month_7", 0, 52, "check-ups"),
        )


@dataclass(frozen=True, slots=True)
class PersonalBestSettings:
    """Congratulating a member on a new benchmark personal best: the studio decides, so it starts off."""

    section: ClassVar[str] = "personal_best"

    enabled: bool = False

    def __post_init__(self) -> None:
        raise_if_any(self.errors())

    def errors(self) -> list[DomainError]:
        return _present(_check_bool(self.enabled, f"{self.section}.enabled"))


_SECTIONS: dict[str, type[Any]] = {
    "birthday": BirthdaySettings,
    "absence": AbsenceSettings,
    "downward_trend": DownwardTrendSettings,
    "upward_trend": UpwardTrendSettings,
    "checkups": CheckupSettings,
    "personal_best": PersonalBestSettings,
}


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    studio_id: UUID
    birthday: BirthdaySettings = field(default_factory=BirthdaySettings)
    absence: AbsenceSettings = field(default_factory=AbsenceSettings)
    downward_trend: DownwardTrendSettings = field(default_factory=DownwardTrendSettings)
    upward_trend: UpwardTrendSettings = field(default_factory=UpwardTrendSettings)
    checkups: CheckupSettings = field(default_factory=CheckupSettings)
    personal_best: PersonalBestSettings = field(default_factory=PersonalBestSettings)

    @classmethod
    def defaults(cls, studio_id: UUID) -> Self:
        return cls(studio_id=studio_id)

    def updated(self, changes: Mapping[str, Any]) -> Self:
        """Apply a partial update like {"absence": {"days": 21}}; every bad field is reported at once."""
        errors: list[AppError] = []  # DomainErrors, and those a section's own check raised
        sections: dict[str, Any] = {}
        if not isinstance(changes, Mapping):
            raise DomainError(
                code="settings_not_object",
                field=None,
                message="settings must be an object keyed by notification type",
            )
        for section_name, section_changes in changes.items():
            section_type = _SECTIONS.get(section_name)
            if section_type is None:
                errors.append(
                    DomainError(
                        code="setting_unknown",
                        field=str(section_name),
                        message=f"is not a notification type: use one of {', '.join(_SECTIONS)}",
                    )
                )
                continue
            if not isinstance(section_changes, Mapping):
                errors.append(
                    DomainError(
                        code="settings_not_object",
                        field=section_name,
                        message="must be an object of setting names to values",
                    )
                )
                continue
            allowed = {f.name for f in fields(section_type)}
            unknown = [name for name in section_changes if name not in allowed]
            errors.extend(
                DomainError(
                    code="setting_unknown",
                    field=f"{section_name}.{name}",
                    message=f"is not a setting of {section_name}: use one of {', '.join(sorted(allowed))}",
                )
                for name in unknown
            )
            known = {name: value for name, value in section_changes.items() if name in allowed}
            try:
                sections[section_name] = replace(getattr(self, section_name), **known)
            except InvalidFieldsError as invalid:
                errors.extend(invalid.problems)
        raise_if_any(errors)
        return replace(self, **sections)

    def to_mapping(self) -> dict[str, dict[str, Any]]:
        return {name: asdict(getattr(self, name)) for name in _SECTIONS}

    @classmethod
    def from_mapping(cls, studio_id: UUID, stored: Mapping[str, Any]) -> Self:
        """Rebuild from `to_mapping()` output; missing sections or fields fall back to defaults."""
        return cls.defaults(studio_id).updated(stored)
