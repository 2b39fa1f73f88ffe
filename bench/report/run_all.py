"""Run the benchmarks in bench/ one after the other and collect the last line (one JSON object) of each.

Every script's output passes through as it runs. The results file maps each script to what it printed last
(`figures`), with when it ran, how long it took, its exit code and the machine's load average at its start
(the machine is shared: compare ratios within one script's figures, not absolutes across runs). A script
that fails or whose last line is not a JSON object is recorded with its error and the others still run; the
exit code is then 1. With --only, the named scripts run and their entries replace those in the file.

Usage: uv run --frozen python bench/report/run_all.py [--results bench/results.json] [--only import.py ...]
       [--arg import.py=--members=2000 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[1]


def last_json_object(lines: list[str]) -> dict[str, Any] | None:
    for line in reversed(lines):
        if line.strip():
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                return None
            return value if isinstance(value, dict) else None
    return None


def run_script(script: Path, extra: list[str]) -> dict[str, Any]:
    started_at = datetime.now(UTC)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, str(script), *extra], stdout=subprocess.PIPE, text=True, bufsize=1
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            lines.append(line)
        exit_code = process.wait()
    entry: dict[str, Any] = {
        "ran_at": started_at.isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - started, 1),
        "exit_code": exit_code,
        "load_average_at_start": round(load, 2),
        "arguments": extra,
    }
    figures = last_json_object(lines)
    if figures is None:
        entry["error"] = "the last line printed was not one JSON object"
    else:
        entry["figures"] = figures
        if exit_code != 0:
            entry["error"] = f"exited with {exit_code}"
    return entry


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--results", type=Path, default=BENCH / "results.json")
    parser.add_argument("--only", nargs="*", default=[], help="script names (e.g. import.py); default: all")
    parser.add_argument(
        "--arg", action="append", default=[], help="extra arguments of one script: NAME=ARGS (shell-quoted)"
    )
    args = parser.parse_args()
    extra: dict[str, list[str]] = {}
    for item in args.arg:
        name, _, value = item.partition("=")
        extra[name] = shlex.split(value)
    scripts = sorted(BENCH.glob("*.py"))
    if args.only:
        unknown = set(args.only) - {script.name for script in scripts}
        if unknown:
            parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
        scripts = [script for script in scripts if script.name in args.only]
    results: dict[str, Any] = {}
    if args.results.exists():
        results = json.loads(args.results.read_text(encoding="utf-8"))
    failed = []
    for script in scripts:
        print(f"== bench/{script.name}", flush=True)
        entry = run_script(script, extra.get(script.name, []))
        results[script.name] = entry
        if "error" in entry:
            failed.append(script.name)
            print(f"== bench/{script.name}: {entry['error']}", file=sys.stderr, flush=True)
        # written after every script, so an interrupted run keeps what it measured
        # scripts in name order, each one's figures in the order it printed them
        ordered = {name: results[name] for name in sorted(results)}
        args.results.write_text(json.dumps(ordered, indent=2) + "\n", encoding="utf-8")
    print(f"results of {len(scripts)} benchmark(s) in {args.results}" + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
