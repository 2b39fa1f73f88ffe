"""What a report chart draws, built from a report's rows: labels and one series, handed to static/charts.js as
JSON in the canvas's data-chart attribute (the pages run no inline script). The tables under the charts show the
same figures, so the chart adds the picture, not information."""

from __future__ import annotations

from typing import Any

WEEKDAYS = ("weekday.0", "weekday.1", "weekday.2", "weekday.3", "weekday.4", "weekday.5", "weekday.6")


def chart(kind: str, label: str, labels: list[str], values: list[float], unit: str = "") -> dict[str, Any]:
    """`kind`: Chart.js's bar or line; `unit` follows every value in the tooltips ("%")."""
    return {"type": kind, "label": label, "labels": labels, "values": values, "unit": unit}


def occupancy_label(key: str, by: str, names: dict[str, str], t: Any) -> str:
    """A row's key in words: a weekday's name, an hour as 18:00, a location's, session type's or coach's name."""
    if by == "weekday" and key.isdigit() and int(key) < len(WEEKDAYS):
        return str(t(WEEKDAYS[int(key)]))
    if by == "hour" and key.isdigit():
        return f"{int(key):02d}:00"
    if by == "coach" and key == "none":
        return str(t("reports.no_coach"))
    return names.get(key, key)
