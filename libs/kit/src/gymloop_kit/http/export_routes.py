"""The two routes every data-owning service serves for the studio export, admin only:

- `GET /export`: the catalogue (each dataset with its columns and what they mean), from which the export job
  learns what to fetch and writes the README;
- `GET /export/{dataset}`: one page of the studio's records of a dataset, in the kit's page envelope.

    router = export_router(export.DATASETS)  # in the service's api/export.py, listed in its app.py
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, RootModel

from gymloop_kit.app import Session
from gymloop_kit.auth import Admin
from gymloop_kit.export_data import Dataset, export_page, find_dataset
from gymloop_kit.http.pagination import Page, Paging


class ExportColumnOut(BaseModel):
    name: str
    description: str


class ExportDatasetOut(BaseModel):
    name: str = Field(description="the dataset's name; its records are at /export/<name>")
    description: str
    columns: list[ExportColumnOut]


class ExportCatalogueOut(BaseModel):
    datasets: list[ExportDatasetOut]


class ExportRecord(RootModel[dict[str, Any]]):
    """One record: the dataset's columns by name (ids and dates as ISO text)."""


def catalogue_of(datasets: Sequence[Dataset]) -> ExportCatalogueOut:
    return ExportCatalogueOut(
        datasets=[
            ExportDatasetOut(
                name=dataset.name,
                description=dataset.description,
                columns=[ExportColumnOut(name=c.name, description=c.description) for c in dataset.columns],
            )
            for dataset in datasets
        ]
    )


def export_router(datasets: Sequence[Dataset]) -> APIRouter:
    router = APIRouter(tags=["export"])
    catalogue = catalogue_of(datasets)

    @router.get(
        "/export",
        summary="The datasets this service contributes to the studio export, with their columns",
        response_model=ExportCatalogueOut,
    )
    async def list_export_datasets(principal: Admin) -> ExportCatalogueOut:
        """Admins only. Every dataset of this service in the studio export, and what each column means."""
        return catalogue

    @router.get(
        "/export/{dataset}",
        summary="One page of the studio's records of a dataset, for the studio export",
        response_model=Page[ExportRecord],
        responses={404: {"description": "No dataset of that name in this service"}},
    )
    async def read_export_dataset(dataset: str, principal: Admin, session: Session, page: Paging) -> Page[ExportRecord]:
        """Admins only. The studio's records of one dataset in a stable order, each with the catalogue's columns.
        A GET: it changes nothing."""
        records, total = await export_page(session, find_dataset(datasets, dataset), principal.studio_id, page)
        return Page.of([ExportRecord(record) for record in records], total, page)

    return router
