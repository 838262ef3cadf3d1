"""Files attached to online applications: checked by their first bytes and their size, then kept
under MEDIA_ROOT/private/eservices/<application id>/ with a random name. No URL serves that
directory; the citizen's and the department's file views read it after checking access.

The checks run before anything is written. Writing happens inside the saving transaction, and
the action deletes what it wrote if the transaction does not commit (see actions)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from weizheng.core.errors import AppError

from .models import FileType

PRIVATE_DIR = "private/eservices"
DEFAULT_MAX_KB = 5 * 1024
# The largest file any field may accept (the form designer refuses more).
HARD_MAX_KB = 20 * 1024
MAX_NAME_LENGTH = 120
# What a file of each type starts with. The extension of the citizen's file name is ignored.
MAGIC: dict[str, tuple[bytes, ...]] = {
    FileType.PDF: (b"%PDF-",),
    FileType.JPEG: (b"\xff\xd8\xff",),
    FileType.PNG: (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {FileType.PDF: "pdf", FileType.JPEG: "jpg", FileType.PNG: "png"}


def sniff(head: bytes) -> str | None:
    """The FileType whose signature `head` starts with, or None."""
    for file_type, signatures in MAGIC.items():
        if any(head.startswith(signature) for signature in signatures):
            return str(file_type)
    return None


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


@dataclass(frozen=True)
class PendingFile:
    """An upload that passed the checks and waits to be written."""

    field_key: str
    original_name: str
    file_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def allowed_types(field: Any) -> list[str]:
    return [t for t in (field.file_types or FileType.values) if t in FileType.values]


def limit_kb(field: Any) -> int:
    return min(field.max_size_kb or DEFAULT_MAX_KB, HARD_MAX_KB)


def check_upload(*, field: Any, upload: Any) -> PendingFile:
    """An uploaded file (Django's UploadedFile, or anything with name, size and read) checked
    against the field: not empty, within its size, one of its types by content."""
    size = int(getattr(upload, "size", 0) or 0)
    label = field.label
    if size <= 0:
        raise AppError(
            "empty_file", _("“%(label)s”: the file is empty.") % {"label": label}, field=field.key
        )
    limit = limit_kb(field) * 1024
    if size > limit:
        raise AppError(
            "file_too_large",
            _("“%(label)s”: the file is %(size)s, more than the %(limit)s allowed.")
            % {"label": label, "size": human_size(size), "limit": human_size(limit)},
            field=field.key,
        )
    data = upload.read(limit + 1)
    if len(data) > limit:  # a size that lied
        raise AppError(
            "file_too_large",
            _("“%(label)s”: the file is %(size)s, more than the %(limit)s allowed.")
            % {"label": label, "size": human_size(len(data)), "limit": human_size(limit)},
            field=field.key,
        )
    accepted = allowed_types(field)
    found = sniff(data[:16])
    if found not in accepted:
        raise AppError(
            "bad_file_type",
            _("“%(label)s” accepts %(types)s files only, and this file is not one of them.")
            % {"label": label, "types": " / ".join(FileType(t).label for t in accepted)},
            field=field.key,
        )
    name = Path(str(getattr(upload, "name", "") or "")).name.strip() or field.label
    return PendingFile(
        field_key=field.key, original_name=name[-MAX_NAME_LENGTH:], file_type=found, data=data
    )


def private_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def write_private(pending: PendingFile, *, application_id: int) -> str:
    """Write the file under a new random name; returns its path relative to MEDIA_ROOT."""
    relative = f"{PRIVATE_DIR}/{application_id}/{uuid.uuid4().hex}.{EXTENSIONS[pending.file_type]}"
    full = private_root() / relative
    full.parent.mkdir(parents=True, exist_ok=True)
    with open(full, "xb") as out:  # never overwrite
        out.write(pending.data)
    full.chmod(0o600)
    return relative


def remove_private(relative: str) -> None:
    """Delete a stored file (missing is fine: the goal is that it is gone)."""
    full = private_root() / relative
    if PRIVATE_DIR not in relative or ".." in Path(relative).parts:
        return
    full.unlink(missing_ok=True)


def open_private(relative: str) -> Any:
    if ".." in Path(relative).parts or not relative.startswith(PRIVATE_DIR + "/"):
        raise FileNotFoundError(relative)
    return open(private_root() / relative, "rb")  # noqa: SIM115 - FileResponse closes it
