"""`make schemas`: rewrite the JSON Schema snapshots after a deliberate, compatible contract change."""

from __future__ import annotations

import json

from gymloop_contracts.compatibility import breaking_changes
from gymloop_contracts.schemas import SNAPSHOT_DIR, current_schemas, render


def main() -> None:
    SNAPSHOT_DIR.mkdir(exist_ok=True)
    refused = False
    for name, schema in current_schemas().items():
        path = SNAPSHOT_DIR / name
        if path.exists():
            problems = breaking_changes(json.loads(path.read_text()), schema)
            if problems:
                refused = True
                print(f"refused {name}: {'; '.join(problems)}. Publish a new version instead.")
                continue
        path.write_text(render(schema))
        print(f"wrote {path.relative_to(SNAPSHOT_DIR.parent)}")
    if refused:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
