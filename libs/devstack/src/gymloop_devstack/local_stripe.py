"""The local Stripe of `make dev`: localstripe with Gymloop's extensions (gymloop_devstack.localstripe_server) as
one more managed process, its data in the dev data directory, billing's webhook endpoint registered with it.

Run by the stack as `python -m gymloop_devstack.local_stripe --port N --store <file>`. Two things differ from
`python -m gymloop_devstack.localstripe_server`:
- localstripe pickles its objects to a fixed /tmp/localstripe.pickle (shared by every localstripe on the machine,
  the tests' too); here they go to <file>, written whole and then renamed (a kill never leaves half a file), and
  are loaded again at start, so the Stripe customers and payment methods in billing's database still exist
  after a restart, like the database itself;
- it listens on 127.0.0.1 only, like every other process of the stack (localstripe binds every interface);
- with --exit-with-stdin it stops when its stdin closes: the stack holds the other end of that pipe, so however
  the stack ends (Ctrl-C at any moment, even SIGKILL) localstripe does not outlive it.
Webhook endpoints live in localstripe's memory only: the stack registers billing's at every start.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import pickle
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gymloop_devstack.procs import ManagedProcess

DEFAULT_PORT = 8420
# Local test-mode credentials: localstripe accepts any sk_ key, and billing must sign-check with this secret.
DEV_API_KEY = "sk_test_gymloop_dev"
DEV_WEBHOOK_SECRET = "whsec_gymloop_dev"  # noqa: S105 - local only, published in docs/local-stack.md


def available() -> bool:
    """localstripe is a dev dependency of the workspace: an install without it runs the stack without Stripe."""
    import importlib.util

    return importlib.util.find_spec("localstripe") is not None


@dataclass
class LocalStripe:
    port: int
    store_path: Path
    log_path: Path
    env: dict[str, str]
    process: ManagedProcess | None = None
    reported_exit: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalStripe:
        self.store_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**self.env, "PYTHONUNBUFFERED": "1"}
        env.setdefault("LOCALSTRIPE_PUBLIC_URL", self.url)  # where the browser finds the iDEAL bank page
        # Kept before it starts: a Ctrl-C right after the fork still finds the child to stop.
        self.process = ManagedProcess(
            name="localstripe",
            argv=[sys.executable, "-m", "gymloop_devstack.local_stripe", "--exit-with-stdin"]
            + ["--port", str(self.port), "--store", str(self.store_path)],
            env=env,
            log_path=self.log_path,
            cwd=self.store_path.parent,
            stdin_pipe=True,  # never written to: its closing tells localstripe the stack is gone
        )
        self.process.start()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.alive()

    def register_webhook(self, name: str, url: str, secret: str, timeout_s: float) -> None:
        """localstripe's `POST /_config/webhooks/<name>`, retried until it listens (it starts with the stack)."""
        import httpx  # here, not at the top: the child process (main) does without it

        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                try:
                    answer = client.post(f"{self.url}/_config/webhooks/{name}", data={"url": url, "secret": secret})
                    if answer.is_success:
                        return
                    raise RuntimeError(f"registering the webhook {url} answered {answer.status_code}: {answer.text}")
                except httpx.TransportError as error:
                    if not self.alive():
                        tail = self.process.log_tail() if self.process else ""
                        raise RuntimeError(f"localstripe exited, see {self.log_path}:\n{tail}".rstrip(":\n")) from error
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"localstripe not listening on {self.url} after {timeout_s:.0f}s") from error
                    time.sleep(0.1)


# -- the child process ----------------------------------------------------------------------------------------


def keep_store_in(path: Path) -> None:
    """Point localstripe's persistence at `path` (a plain dict is pickled: unpickling localstripe's own Store
    would call its __setitem__, which saves the file again while it is being read)."""
    from localstripe.resources import Store

    path.parent.mkdir(parents=True, exist_ok=True)

    def load(store: Store) -> None:
        try:
            with path.open("rb") as file:
                saved = pickle.load(file)  # noqa: S301 - our own file, in the stack's data directory
        except FileNotFoundError:
            return
        except Exception as error:  # e.g. written by another localstripe version: better empty than down
            print(f"cannot read {path} ({error!r}): starting without Stripe data", flush=True)
            return
        store.clear()
        store.update(saved)

    def dump(store: Store) -> None:
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as file:
            pickle.dump(dict(store), file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)

    Store.try_load_from_disk = load
    Store.dump_to_disk = dump


def exit_when_stdin_closes() -> None:
    """SIGTERM to ourselves (aiohttp then stops cleanly) once stdin reaches its end."""

    def watch() -> None:
        with contextlib.suppress(OSError, ValueError):
            while sys.stdin.buffer.read(4096):
                pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


def serve_on_loopback(port: int) -> None:
    """localstripe's own `server.start`, on 127.0.0.1, with the saved store loaded."""
    from aiohttp import web
    from localstripe import server
    from localstripe.resources import store

    store.try_load_from_disk()
    access = logging.getLogger("aiohttp.access")  # localstripe also logs webhook deliveries here
    access.setLevel(logging.DEBUG)
    access.addHandler(logging.StreamHandler())
    web.run_app(server.app, host="127.0.0.1", port=port, access_log=access)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--store", type=Path, required=True, help="file the Stripe objects are kept in")
    parser.add_argument("--exit-with-stdin", action="store_true", help="stop when stdin closes")
    args = parser.parse_args()
    if args.exit_with_stdin:
        exit_when_stdin_closes()
    with contextlib.suppress(OSError):
        os.nice(10)  # the services' start-up matters more than ours: under contention they get the CPU first
    from localstripe import server

    from gymloop_devstack import localstripe_server

    keep_store_in(args.store)
    start: Any = lambda: serve_on_loopback(args.port)  # noqa: E731 - localstripe_server.main calls server.start()
    server.start = start
    with contextlib.suppress(KeyboardInterrupt):
        localstripe_server.main()  # reads --port (its bank page's address), installs the extensions, serves


if __name__ == "__main__":
    main()
