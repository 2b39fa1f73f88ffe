"""A settings form read back against the settings it was made from: a tick box for each true/false setting, a text
field for the others. Sent as typed (a whole number as a number), so the service that owns the rule says what is
wrong with a value, next to its field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def settings_from_form(form: Mapping[str, Any], current: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`current`'s settings as the form sent them: an unticked box is false, a missing field keeps its value."""
    sent: dict[str, Any] = {}
    for name, value in current.items():
        key = prefix + name
        if isinstance(value, bool):
            sent[name] = form.get(key) == "on"
        elif isinstance(typed := form.get(key), str):
            typed = typed.strip()
            sent[name] = int(typed) if typed.lstrip("-").isdigit() else typed
        else:
            sent[name] = value
    return sent
