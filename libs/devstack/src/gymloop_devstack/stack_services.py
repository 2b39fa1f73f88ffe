"""The services of the local stack, in one place: names, default ports, packages and migration folders.

dev.py, the e2e tests and the demo seeding all read this list; a service appears in the stack as soon as
its package has a `__main__` module (services are built concurrently, so some may not exist yet).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

GATEWAY_PORT = 8000
# The web app (the staff back office): no database, no migrations, reached by browsers through the gateway.
WEB_PORT = 8006
WEB_PACKAGE = "gymloop_web"


@dataclass(frozen=True)
class StackService:
    name: str
    default_port: int

    @property
    def package(self) -> str:
        return f"gymloop_{self.name}"

    @property
    def database(self) -> str:
        return self.name

    def migrations_dir(self, repo_root: Path) -> Path:
        return repo_root / "services" / self.name / "migrations"

    def has_main(self) -> bool:
        """True when `python -m gymloop_<name>` can run (the package and its __main__ exist)."""
        try:
            return importlib.util.find_spec(f"{self.package}.__main__") is not None
        except ModuleNotFoundError:
            return False


SERVICES: tuple[StackService, ...] = (
    StackService("members", 8001),
    StackService("billing", 8002),
    StackService("bookings", 8003),
    StackService("notifications", 8004),
    StackService("importer", 8005),
)


def by_name(name: str) -> StackService:
    for service in SERVICES:
        if service.name == name:
            return service
    raise KeyError(f"no service {name!r} in the stack; known: {', '.join(s.name for s in SERVICES)}")


def available_services() -> list[StackService]:
    return [service for service in SERVICES if service.has_main()]


def web_available() -> bool:
    """True when `python -m gymloop_web` can run."""
    try:
        return importlib.util.find_spec(f"{WEB_PACKAGE}.__main__") is not None
    except ModuleNotFoundError:
        return False


def repo_root() -> Path:
    """The workspace root: GYMLOOP_DEV_REPO_ROOT, else the nearest folder above this file (or the working
    directory) holding both pyproject.toml and services/."""
    if override := os.environ.get("GYMLOOP_DEV_REPO_ROOT"):
        return Path(override).resolve()
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "pyproject.toml").is_file() and (folder / "services").is_dir():
                return folder
    return Path.cwd().resolve()
