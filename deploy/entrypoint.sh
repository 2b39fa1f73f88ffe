#!/bin/sh
# Migrate the service's own database (when it has migrations), then run the service in its place (PID 1).
# Replicas that start together migrate one at a time (an advisory lock in gymloop_kit.migrations): the first
# migrates, the others wait for it and then find the database at head.
set -eu
if [ -f "${APP_MIGRATIONS_DIR}/env.py" ]; then
    python -c 'import os, pathlib; from gymloop_kit.migrations import upgrade; upgrade(pathlib.Path(os.environ["APP_MIGRATIONS_DIR"]), os.environ["GYMLOOP_DATABASE_URL"])'
fi
exec python -m "gymloop_${GYMLOOP_SERVICE_NAME}"
