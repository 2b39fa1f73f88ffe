"""Members' domain errors: thin names for the kit's family, raised with a machine code, the field at fault and a
message saying what to change. The kit answers them (422 and 409); nothing translates them."""

from __future__ import annotations

from gymloop_kit.errors import Conflict, InvalidInput


class DomainError(InvalidInput):
    """Input that breaks a members rule (422)."""


class DomainConflict(Conflict):
    """Input that clashes with existing state (409)."""
