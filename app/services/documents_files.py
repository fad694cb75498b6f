"""Files of library documents: stored on disk under the instance folder with random names."""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.models.records import DocumentFile, Record
from app.services.record_events import Origin
from app.services.records import create_record

_CHUNK = 64 * 1024
_FORBIDDEN = set('/\\:*?"<>|')


def safe_filename(name: str | None) -> str:
    """A display name without paths, control characters or leading dots (Unicode kept)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in name
                      if ch not in _FORBIDDEN and unicodedata.category(ch)[0] != "C")
    cleaned = cleaned.strip().lstrip(".").strip()
    if len(cleaned) > 200:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[:190] + dot + ext[:9]) if dot and len(ext) < 10 else cleaned[:200]
    return cleaned or "file"


@dataclass(frozen=True)
class StoredFile:
    """A file written to disk, not yet attached to a record."""

    storage_name: str
    filename: str
    size: int
    mime_type: str
    sha256: str


def files_dir(config: dict[str, Any]) -> Path:
    """The folder that holds stored files (created when missing)."""
    path = Path(config["FILES_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_file(directory: Path, stream: IO[bytes], filename: str | None,
               mime_type: str | None, max_bytes: int) -> StoredFile:
    """Copy `stream` to a new random file name in `directory` (413 when over `max_bytes`)."""
    storage_name = secrets.token_hex(16)
    target = directory / storage_name
    digest = hashlib.sha256()
    size = 0
    try:
        with open(target, "xb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ApiError(413, "too_large",
                                   f"file: larger than the limit of {max_bytes} bytes")
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    name = safe_filename(filename)
    mime = (mime_type or "").split(";")[0].strip().lower()
    if not mime or mime == "application/octet-stream" or len(mime) > 255:
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return StoredFile(storage_name, name, size, mime, digest.hexdigest())


def stored_path(directory: Path, storage_name: str) -> Path:
    """Where a stored file lives; the name is always ours (hex), never the client's."""
    if not storage_name.isalnum():
        raise ValueError(f"bad storage name {storage_name!r}")
    return directory / storage_name


def remove_stored(directory: Path, storage_name: str) -> None:
    """Delete a stored file (after the transaction that dropped its record committed)."""
    stored_path(directory, storage_name).unlink(missing_ok=True)


def create_document(session: Session, fields: Any, stored: StoredFile | None,
                    actor: int | None, origin: Origin) -> Record:
    """A library document record with its file (NAME defaults to the file name)."""
    system: dict[str, Any] = {}
    if stored is not None:
        system = {"FILE_SIZE": stored.size, "MIME_TYPE": stored.mime_type}
        if not (isinstance(fields, dict) and fields.get("NAME")):
            system["NAME"] = stored.filename
    record = create_record(session, "document", fields, actor, origin, system_values=system)
    if stored is not None:
        session.add(DocumentFile(record_id=record.id, storage_name=stored.storage_name,
                                 filename=stored.filename, size=stored.size,
                                 mime_type=stored.mime_type, sha256=stored.sha256))
        session.flush()
    return record


def document_file(session: Session, record_id: int) -> DocumentFile | None:
    """The stored file of a document, if it has one."""
    return session.get(DocumentFile, record_id)

