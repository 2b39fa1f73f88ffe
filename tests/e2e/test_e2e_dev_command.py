"""`make dev` as a user runs it: `python -m gymloop_devstack.dev` brings GET /ready to 200 within 30 s, and a
SIGINT (Ctrl-C) leaves no process behind: not the services, not the gateway, not Tansu, not PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from .conftest import free_ports_env

pytestmark = pytest.mark.e2e

# The bar; a crowded machine may set GYMLOOP_E2E_READY_BUDGET_S higher, never the default.
READY_BUDGET_S = float(os.environ.get("GYMLOOP_E2E_READY_BUDGET_S", "30"))


def leftovers(marker: str, descendants: list[psutil.Process]) -> list[str]:
    """Processes still alive that belong to the stack: former descendants, or any process whose command line
    or environment names the stack's data directory (PostgreSQL detaches from its starter)."""
    found = {proc.pid: proc for proc in descendants if _alive(proc)}
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            if marker in " ".join(proc.info["cmdline"] or []) or proc.environ().get("GYMLOOP_DEV_STACK") == marker:
                found[proc.pid] = proc
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return [f"{proc.pid} {' '.join(_cmdline(proc))[:200]}" for proc in found.values() if _alive(proc)]


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return []


def test_make_dev_gets_ready_within_30s_and_ctrl_c_leaves_nothing_behind(tmp_path):
    data_dir = tmp_path / "dev-data"
    env = {**os.environ, **free_ports_env(data_dir)}
    gateway = f"http://127.0.0.1:{env['GYMLOOP_DEV_GATEWAY_PORT']}"
    output = tmp_path / "make-dev.out"
    started = time.monotonic()
    with output.open("wb") as out:
        dev = subprocess.Popen(
            [sys.executable, "-m", "gymloop_devstack.dev"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    descendants: list[psutil.Process] = []
    try:
        ready_after = None
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() - started < READY_BUDGET_S and dev.poll() is None:
                try:
                    if client.get(f"{gateway}/ready").status_code == 200:
                        ready_after = time.monotonic() - started
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        log = output.read_text(errors="replace")
        assert ready_after is not None, f"GET /ready not 200 within {READY_BUDGET_S}s:\n{log}"
        print(f"ready after {ready_after:.1f}s")
        descendants = psutil.Process(dev.pid).children(recursive=True)
        assert len(descendants) >= 2, "the gateway and Tansu at least run as children"
    finally:
        dev.send_signal(signal.SIGINT)
        try:
            code = dev.wait(60)
        except subprocess.TimeoutExpired:
            dev.kill()
            raise
    log = output.read_text(errors="replace")
    assert code == 0, log
    assert "stopped everything" in log
    left = leftovers(str(data_dir.resolve()), descendants)
    assert not left, "left behind after Ctrl-C:\n" + "\n".join(left)
