"""CPU time spent by each process of a benchmark during one phase: a figure the machine's load does not change much.

Latency at a fixed number of closed-loop clients is bounded by the CPU one request costs (on 2 cores, 20 clients
see at least 20 x cost / 2 of waiting), so the benchmarks report the cost per request beside the latencies.
PostgreSQL counts as one process: its postmaster and every backend (the backends are the pools' connections).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import psutil


def cpu_seconds(process: psutil.Process, *, with_children: bool = False) -> float:
    """User + system CPU seconds of a process (and, if asked, its living children)."""
    total = 0.0
    for each in [process, *(process.children(recursive=True) if with_children else [])]:
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def postmaster(data_dir: Path) -> psutil.Process:
    """The PostgreSQL server of a data directory (its first line of postmaster.pid)."""
    return psutil.Process(int((data_dir / "postmaster.pid").read_text().split()[0]))


class CpuMeter:
    """CPU seconds per named process between `start()` and `stop()`; `trees` names those counted with children."""

    def __init__(self, processes: Mapping[str, psutil.Process], trees: Collection[str] = ()) -> None:
        self.processes = dict(processes)
        self.trees = frozenset(trees)
        self._started: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        return {name: cpu_seconds(p, with_children=name in self.trees) for name, p in self.processes.items()}

    def start(self) -> None:
        self._started = self._now()

    def stop(self) -> dict[str, float]:
        return {name: seconds - self._started[name] for name, seconds in self._now().items()}


def per_request_ms(spent: Mapping[str, float], requests: int) -> dict[str, float]:
    """Each process's CPU milliseconds per request, and their sum as `total`."""
    figures = {name: round(seconds * 1000 / requests, 2) for name, seconds in spent.items()}
    figures["total"] = round(sum(spent.values()) * 1000 / requests, 2)
    return figures
