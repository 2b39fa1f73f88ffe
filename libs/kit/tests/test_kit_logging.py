"""Every log line names its service, whoever writes it: structlog or the standard library, in any task or thread,
including one whose context variables never saw the lifespan that configured logging."""

import asyncio
import contextvars
import json
import logging
import threading

import pytest
import structlog
from gymloop_kit.logging import configure_logging, get_logger

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def restore_logging():
    """configure_logging points the handlers at this test's captured stdout: put back what was there."""
    root = logging.getLogger()
    handlers, level, config = root.handlers[:], root.level, structlog.get_config()
    yield
    root.handlers, root.level = handlers, level
    structlog.configure(**config)


def write_lines() -> None:
    get_logger("kit.test").info("from_structlog", n=1)
    logging.getLogger("uvicorn.error").info("from the standard library")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("asyncio").exception("task failed")


async def test_every_line_has_the_service_in_fresh_contexts_tasks_and_threads(capsys):
    configure_logging("kitdemo")
    capsys.readouterr()
    contextvars.Context().run(write_lines)  # a context that inherited nothing, like a request's task
    await asyncio.get_running_loop().create_task(asyncio.to_thread(write_lines), context=contextvars.Context())
    thread = threading.Thread(target=write_lines)
    thread.start()
    thread.join()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 9
    assert {line["service"] for line in lines} == {"kitdemo"}
    failures = [line for line in lines if line["event"] == "task failed"]
    assert all("RuntimeError: boom" in line["exception"] for line in failures)  # tracebacks as text


def test_an_explicit_service_field_is_kept(capsys):
    configure_logging("kitdemo")
    capsys.readouterr()
    get_logger("relay").info("relay_started", service="other")
    assert json.loads(capsys.readouterr().out)["service"] == "other"
