"""`python -m gymloop_devstack.launch <module> [warm-up module ...]`: start a service in two phases.

Phase 1 imports the heavy modules (the service's app, FastAPI, SQLAlchemy, aiokafka, ...) while the stack is
still starting PostgreSQL and running migrations. Phase 2 begins when one JSON line of environment variables
arrives on stdin (the database URL is only known then): they are set and <module> runs as __main__. When stdin
closes without a line, the service is not wanted after all and the process exits quietly. What it says itself
is a JSON line of the service's log like any other.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import sys
from pathlib import Path

from gymloop_kit.logging import configure_logging, get_logger

log = get_logger("launch")


def main() -> None:
    module, warm_up = sys.argv[1], sys.argv[2:]
    configure_logging(os.environ.get("GYMLOOP_SERVICE_NAME") or module.removeprefix("gymloop_"))
    for name in warm_up:
        try:
            importlib.import_module(name)
        except Exception as error:  # the real run shows the error in full; warming up is best effort
            log.warning("warm_up_failed", module=name, error=repr(error))
    if warm_file := os.environ.get("GYMLOOP_DEV_WARM_FILE"):
        Path(warm_file).touch()
    line = sys.stdin.readline()
    if not line.strip():
        return
    os.environ.update(json.loads(line))
    sys.stdin.close()
    sys.argv = [module]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
