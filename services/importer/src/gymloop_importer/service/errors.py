"""Mapping the importer's domain errors to HTTP answers."""

from __future__ import annotations

from gymloop_kit.errors import AppError

from gymloop_importer.domain.errors import UploadRejected


class UploadTooLarge(AppError):
    status_code = 413


def upload_error(error: UploadRejected) -> AppError:
    if error.code == "file_too_large":
        return UploadTooLarge(error.message, code=error.code, field="file")
    return AppError(error.message, code=error.code, field="file")
