"""Attachment limits: a few document and image types, recognised by their content, and a size cap."""

from __future__ import annotations

from gymloop_members.domain.errors import DomainError

# Declared type -> the first bytes every such file starts with. The declared type alone is a client's word;
# the magic bytes are what the file is.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
DOCUMENT_TYPES = frozenset(SIGNATURES)
PHOTO_TYPES = frozenset({"image/png", "image/jpeg"})


def check_attachment(
    *, content_type: str | None, data: bytes, max_bytes: int, allowed: frozenset[str] = DOCUMENT_TYPES
) -> str:
    """Return the file's content type, or raise saying what is wrong with it."""
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if not data:
        raise DomainError(code="file_empty", field="file", message="the file is empty: choose another file")
    if len(data) > max_bytes:
        raise DomainError(
            code="file_too_large",
            field="file",
            message=f"the file has {len(data)} bytes: the limit is {max_bytes} bytes ({max_bytes // 1024 // 1024} MB)",
        )
    kinds = ", ".join(sorted(kind.split("/")[1] for kind in allowed))
    if declared not in allowed:
        raise DomainError(
            code="file_type_not_allowed",
            field="file",
            message=f"files of type {declared or 'unknown'!r} are not accepted: upload one of {kinds}",
        )
    if not data.startswith(SIGNATURES[declared]):
        raise DomainError(
            code="file_content_mismatch",
            field="file",
            message=f"the file is declared {declared} but its content is not: upload a real {kinds} file",
        )
    return declared


def clean_filename(name: str | None) -> str:
    """Keep only the base name, without path separators or control characters."""
    base = (name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip() or "file"
    return cleaned[:200]
