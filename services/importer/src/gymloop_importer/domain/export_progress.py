"""How far a studio export is, as one percentage: the datasets read so far, and 100 only once the ZIP is stored
(so a client waiting for 100 can download right away); an expired export had completed, so it stays at 100."""

from __future__ import annotations


def export_percent(status: str, datasets_done: int, datasets_total: int) -> int:
    if status in ("completed", "expired"):
        return 100
    if datasets_total <= 0:
        return 0
    return min(99, 100 * datasets_done // datasets_total)
