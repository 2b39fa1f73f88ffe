"""Checks on the raw upload that run before openpyxl sees a single byte.

An xlsx file is a zip archive. Python's zipfile never inflates a member beyond the uncompressed size
declared in its header (it stops there and then checks the CRC), so refusing archives whose declared
sizes or compression ratios are excessive bounds the memory and time openpyxl can be made to spend.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass

from gymloop_importer.domain.errors import UploadRejected, UploadTooLarge

MIB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    max_upload_bytes: int = 5 * MIB
    max_uncompressed_bytes: int = 100 * MIB
    # Spreadsheet XML compresses well, but a legitimate member never comes near 100:1.
    max_compression_ratio: float = 100.0
    # Small members (styles, rels) can have high ratios harmlessly; only judge the ratio of big ones.
    ratio_checked_from_bytes: int = 1 * MIB
    max_zip_members: int = 1000
    max_rows: int = 10_000


DEFAULT_LIMITS = UploadLimits()


def _megabytes(size: int) -> str:
    # Rounded up, so a file just over the limit never reads as "5.0 MB, more than 5.0 MB".
    return f"{math.ceil(size * 10 / MIB) / 10:.1f} MB"


def check_upload_size(data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> None:
    if not data:
        raise UploadRejected("file_empty", "The uploaded file is empty: choose the filled-in import template.")
    if len(data) > limits.max_upload_bytes:
        raise UploadTooLarge(
            "file_too_large",
            f"The file is {_megabytes(len(data))}, more than the limit of "
            f"{_megabytes(limits.max_upload_bytes)}: remove images and unused sheets, or split the members "
            "over several files.",
        )


def check_zip_safety(data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> None:
    """Refuse anything that is not a zip archive of plausible size, judged on declared sizes only."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UploadRejected(
            "not_xlsx",
            "The file is not an Excel workbook (.xlsx): save it as 'Excel Workbook (*.xlsx)' and try again.",
        ) from error
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_members:
            raise UploadRejected(
                "zip_too_many_members",
                f"The workbook has {len(members)} internal parts; at most {limits.max_zip_members} are "
                "accepted. Save the template again without extra sheets or objects.",
            )
        total = 0
        for member in members:
            total += member.file_size
            big_enough_to_judge = member.file_size >= limits.ratio_checked_from_bytes
            ratio = member.file_size / max(member.compress_size, 1)
            if big_enough_to_judge and ratio > limits.max_compression_ratio:
                raise UploadRejected(
                    "zip_bomb",
                    f"The workbook part '{member.filename}' expands {ratio:.0f} times when unpacked "
                    f"(at most {limits.max_compression_ratio:.0f} is accepted). The file is refused as "
                    "unsafe: save the template again from Excel.",
                )
        if total > limits.max_uncompressed_bytes:
            raise UploadRejected(
                "zip_bomb",
                f"The workbook unpacks to {_megabytes(total)}; at most "
                f"{_megabytes(limits.max_uncompressed_bytes)} is accepted. The file is refused as unsafe: "
                "remove unused sheets or split the members over several files.",
            )


def check_upload(data: bytes, limits: UploadLimits = DEFAULT_LIMITS) -> None:
    check_upload_size(data, limits)
    check_zip_safety(data, limits)
