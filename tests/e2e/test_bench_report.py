"""`make bench`'s two steps: collecting each script's last JSON line, and the README table made from them."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "report" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


readme_table = _load("readme_table")
run_all = _load("run_all")


def test_every_benchmark_says_what_it_measures_and_documents_its_last_line() -> None:
    for script in sorted((ROOT / "bench").glob("*.py")):
        assert readme_table.what_it_measures(script) != "(no docstring)", script.name
        assert "json" in script.read_text(encoding="utf-8").lower(), f"{script.name} prints no JSON line"


def test_the_last_line_must_be_one_json_object() -> None:
    assert run_all.last_json_object(["progress\n", '{"a": 1}\n', "\n"]) == {"a": 1}
    assert run_all.last_json_object(['{"a": 1}\n', "done\n"]) is None
    assert run_all.last_json_object(["[1, 2]\n"]) is None
    assert run_all.last_json_object([]) is None


def test_a_script_is_run_and_its_figures_recorded(tmp_path: Path) -> None:
    script = tmp_path / "fake.py"
    script.write_text('import sys\nprint("working")\nprint(\'{"rows": 3, "seconds": 0.5}\')\nsys.exit(0)\n')
    entry = run_all.run_script(script, ["--members", "3"])
    assert entry["figures"] == {"rows": 3, "seconds": 0.5}
    assert entry["exit_code"] == 0
    assert entry["arguments"] == ["--members", "3"]
    assert "error" not in entry

    script.write_text("print('{\"rows\": 3}')\nraise SystemExit(2)\n")
    failed = run_all.run_script(script, [])
    assert failed["figures"] == {"rows": 3}
    assert failed["error"] == "exited with 2"


def test_the_table_shows_whatever_keys_a_script_printed_and_only_its_region_changes(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    before, after = "# Title\n\ntext before\n\n", "\n\n## Next section\nkept | as | is\n"
    readme.write_text(before + readme_table.START + "\nold table\n" + readme_table.END + after)
    results = tmp_path / "results.json"
    results.write_text(
        json.dumps({
            "import.py": {"figures": {"saga_seconds": 41.25, "nested": {"p99_ms": 12}, "ok": True, "note": "a|b"},
                          "ran_at": "2026-12-03T18:00:00+00:00", "arguments": ["--members", "500"],
                          "load_average_at_start": 3.5, "exit_code": 0},
            "relay.py": {"error": "the last line printed was not one JSON object", "exit_code": 1},
            "gone.py": {"figures": {"x": 1}},
        })
    )  # fmt: skip
    command = [sys.executable, str(ROOT / "bench/report/readme_table.py"), "--results", str(results)]

    assert subprocess.run([*command, "--readme", str(readme), "--check"], check=False).returncode == 1
    subprocess.run([*command, "--readme", str(readme)], check=True, capture_output=True)
    assert subprocess.run([*command, "--readme", str(readme), "--check"], check=False).returncode == 0

    text = readme.read_text()
    assert text.startswith(before + readme_table.START)
    assert text.endswith(readme_table.END + after)
    assert "old table" not in text
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| `uv run")}
    assert len(rows) == len(list((ROOT / "bench").glob("*.py")))  # one per script; gone.py is not a script
    imported = rows["| `uv run python bench/import.py`"]
    assert "saga_seconds **41.25**" in imported
    assert "nested.p99_ms **12**" in imported
    assert "ok **true**" in imported
    assert "note **a\\|b**" in imported  # a pipe would split the cell
    assert "arguments `--members 500`" in imported
    assert "load average 3.5" in imported
    assert "failed: the last line printed was not one JSON object" in rows["| `uv run python bench/relay.py`"]
    assert "not run yet" in rows["| `uv run python bench/booking.py`"]


def test_the_committed_readme_table_is_the_one_the_results_file_gives() -> None:
    command = [sys.executable, str(ROOT / "bench/report/readme_table.py"), "--check"]
    assert subprocess.run(command, check=False).returncode == 0, "run `make bench-table` and commit the README"
