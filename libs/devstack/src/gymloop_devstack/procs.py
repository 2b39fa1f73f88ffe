"""Child processes of the local stack, each in its own process group (session), so a Ctrl-C in the terminal
reaches only the supervisor, which then stops them in order: SIGTERM to the group, SIGKILL after a timeout."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


@dataclass
class ManagedProcess:
    name: str
    argv: list[str]
    env: Mapping[str, str]
    log_path: Path
    cwd: Path | None = None
    stdin_pipe: bool = False  # for gymloop_devstack.launch: the go-ahead arrives on stdin
    warm_file: Path | None = None  # touched by gymloop_devstack.launch once its imports are done
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's whole life
        self.process = subprocess.Popen(
            self.argv,
            env=dict(self.env),
            cwd=self.cwd,
            stdin=subprocess.PIPE if self.stdin_pipe else subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def release(self, env: Mapping[str, str] | None) -> None:
        """Let a launcher go on with these extra environment variables (None: tell it to exit instead)."""
        assert self.process is not None, f"{self.name} was not started"
        assert self.process.stdin is not None, f"{self.name} has no stdin pipe"
        try:
            if env is not None:
                self.process.stdin.write((json.dumps(dict(env)) + "\n").encode())
            self.process.stdin.close()
        except (BrokenPipeError, ValueError):
            pass  # it died already: the supervisor notices when it waits for it

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was not started"
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def signal_group(self, signum: int) -> None:
        """Signal the child's whole group, so whatever it started goes too. Only while the child is not yet
        reaped: after that its pid (the group id) may belong to another process."""
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)

    def wait(self, timeout: float) -> bool:
        if self.process is None:
            return True
        try:
            self.process.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def stop_all(processes: Iterable[ManagedProcess], timeout: float = 10.0) -> list[str]:
    """SIGTERM every group at once, wait up to `timeout` in total, then SIGKILL what is left.
    Returns the names of the processes that had to be killed."""
    running = [process for process in processes if process.process is not None]
    for process in running:
        process.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    killed: list[str] = []
    for process in running:
        if not process.wait(max(0.0, deadline - time.monotonic())):
            killed.append(process.name)
            process.signal_group(signal.SIGKILL)
            process.wait(5.0)
        process.close_log()
    return killed
