"""Billing's domain errors: the kit's InvalidInput (422), raised with a machine code, the field at fault and a
message saying what to change. The kit answers them; nothing translates them."""

from __future__ import annotations

from gymloop_kit.errors import InvalidInput


class DomainError(InvalidInput):
    """A billing rule refused the input; nothing was changed."""
