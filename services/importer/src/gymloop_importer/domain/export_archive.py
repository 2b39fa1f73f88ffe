"""The studio export's ZIP: each service's datasets as `<service>/<dataset>.csv` and `.json`, and a README.md that
says what every file and column holds. Pure: the export job fetches the records, this writes the bytes.

CSV cells are formula-safe (gymloop_kit.formula_safe), so opening the file in a spreadsheet runs nothing a member
typed; the JSON files keep the values exactly as the services gave them.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gymloop_kit.formula_safe import csv_cell


@dataclass(frozen=True)
class ExportedDataset:
    """One dataset of one service as its catalogue describes it, with every record of the studio."""

    service: str
    name: str
    description: str
    columns: tuple[tuple[str, str], ...]  # (name, what it means)
    records: tuple[dict[str, Any], ...]

    @property
    def path(self) -> str:
        return f"{self.service}/{self.name}"


def csv_text(value: Any) -> str:
    """A record's value as one CSV cell: empty for none, true/false, nested values as JSON, always formula-safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return csv_cell(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return csv_cell(str(value))


def dataset_csv(dataset: ExportedDataset) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = [name for name, _ in dataset.columns]
    writer.writerow(names)
    for record in dataset.records:
        writer.writerow([csv_text(record.get(name)) for name in names])
    return out.getvalue()


def readme(datasets: Sequence[ExportedDataset], studio_name: str, made_at: datetime) -> str:
    lines = [
        f"# Studio export: {studio_name}",
        "",
        f"Made at {made_at.isoformat()}. Every file comes twice: as CSV (for spreadsheets; a cell that would start",
        "a formula begins with ') and as JSON (the values exactly). Ids link the files: e.g. member_id is",
        "members/people.member_id everywhere. Times are ISO 8601 in UTC, dates YYYY-MM-DD.",
    ]
    for dataset in datasets:
        lines += ["", f"## {dataset.path}.csv / .json", "", f"{dataset.description} ({len(dataset.records)} rows).", ""]
        lines += ["| column | meaning |", "|---|---|"]
        lines += [f"| {name} | {meaning} |" for name, meaning in dataset.columns]
    return "\n".join(lines) + "\n"


def build_archive(datasets: Sequence[ExportedDataset], studio_name: str, made_at: datetime) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", readme(datasets, studio_name, made_at))
        for dataset in datasets:
            # A BOM, so spreadsheet programs read the CSV as UTF-8 (names with accents stay readable).
            archive.writestr(f"{dataset.path}.csv", "\ufeff" + dataset_csv(dataset))
            archive.writestr(f"{dataset.path}.json", json.dumps(list(dataset.records), ensure_ascii=False, indent=1))
    return buffer.getvalue()
