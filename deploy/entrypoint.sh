#!/bin/sh
# The image's one entry point; its argument says what to do:
#   (none)   migrate the service's own database (when it has migrations), then run the service (docker compose)
#   migrate  only migrate, then exit (the Kubernetes migration Job, run before the Deployment rolls)
#   serve    only run the service, never migrate (the Kubernetes Deployment: its Job migrates)
#   await-migrations  wait until the database is at head (the Deployment's init container; await_migrations.py)
# Replicas that migrate together go one at a time (an advisory lock in gymloop_kit.migrations): the first
# migrates, the others wait for it and then find the database at head.
set -eu

migrate() {
    if [ -f "${APP_MIGRATIONS_DIR}/env.py" ]; then
        python -c 'import os, pathlib; from gymloop_kit.migrations import upgrade; upgrade(pathlib.Path(os.environ["APP_MIGRATIONS_DIR"]), os.environ["GYMLOOP_DATABASE_URL"])'
    else
        echo "gymloop-${GYMLOOP_SERVICE_NAME} has no migrations: nothing to do"
    fi
}

case "${1:-}" in
    "") migrate; exec python -m "gymloop_${GYMLOOP_SERVICE_NAME}" ;;
    migrate) migrate ;;
    serve) exec python -m "gymloop_${GYMLOOP_SERVICE_NAME}" ;;
    await-migrations)
        if [ -f "${APP_MIGRATIONS_DIR}/env.py" ]; then
            exec python "$(dirname "$0")/await_migrations.py"
        fi ;;
    *) echo "unknown command '$1': use migrate, serve, await-migrations, or nothing (migrate, then serve)" >&2; exit 64 ;;
esac
