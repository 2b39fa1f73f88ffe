"""A service's data as it goes into the studio export: named datasets of described columns, read page by page.

Each data-owning service lists its datasets (service/export.py) and serves them with `export_router`
(gymloop_kit.http.export_routes); the importer's export job reads every service's datasets over HTTP and writes
them into one ZIP with a README made from the same descriptions.

    NOTES = Dataset(
        name="notes", description="Staff notes on members",
        studio_id=Note.studio_id, order_by=(Note.created_at, Note.id),
        columns=(Column("note_id", Note.id, "the note's id"), Column("body", Note.body, "what was written")),
    )

Only the columns a dataset lists leave the service: secrets (password hashes, token hashes) and file contents
are never listed. Every statement is scoped to one studio by the dataset's own `studio_id` column.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from gymloop_kit.errors import NotFound
from gymloop_kit.http.pagination import PageParams, fetch_page

Record = dict[str, Any]
# A mapped attribute (`Note.body`) or any column expression.
Source = ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class Column:
    """One exported column: its name in the file, where it comes from, and what it means (for the README)."""

    name: str
    source: Source
    description: str


@dataclass(frozen=True)
class Dataset:
    """One file of the export (`<service>/<name>.csv` and `.json`): a studio's rows of one kind."""

    name: str
    description: str
    studio_id: Source
    columns: tuple[Column, ...]
    order_by: tuple[Source, ...]  # ends with a unique column, so pages neither repeat nor skip
    joined: Callable[[Select[Any]], Select[Any]] | None = field(default=None)  # adds the joins the columns need

    def statement(self, studio_id: uuid.UUID) -> Select[Any]:
        """The studio's rows, one labelled column per exported column, in a stable order."""
        statement = select(*(column.source.label(column.name) for column in self.columns))
        if self.joined is not None:
            statement = self.joined(statement)
        return statement.where(self.studio_id == studio_id).order_by(*self.order_by)


def exportable(value: Any) -> Any:
    """A column value as JSON carries it: ids and dates as text (ISO 8601), amounts exact, nested JSON as is."""
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return exportable(value.value)
    if isinstance(value, Mapping):
        return {str(key): exportable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [exportable(item) for item in value]
    return value


def find_dataset(datasets: Sequence[Dataset], name: str) -> Dataset:
    for dataset in datasets:
        if dataset.name == name:
            return dataset
    known = ", ".join(dataset.name for dataset in datasets)
    raise NotFound(f"no dataset {name!r} in this service's export; known: {known}", code="dataset_not_found")


async def export_page(
    session: AsyncSession, dataset: Dataset, studio_id: uuid.UUID, page: PageParams
) -> tuple[list[Record], int]:
    """One page of the studio's records of `dataset`, and how many there are in all."""
    rows, total = await fetch_page(session, dataset.statement(studio_id), page)
    if len(dataset.columns) == 1:  # fetch_page gives bare values for a one-column statement
        rows = [(value,) for value in rows]
    names = [column.name for column in dataset.columns]
    return [{name: exportable(value) for name, value in zip(names, row, strict=True)} for row in rows], total
