"""Evidence files: images (JPEG, PNG) and PDF, checked by content, limited in size and number.

Files go to ``settings.MEDIA_ROOT`` (under the data directory, outside any web root; no
MEDIA_URL is served) with random names, and leave only through the permission-checked
download view, always as attachments.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from haochaping.core.clock import now as clock_now
from haochaping.core.exceptions import InvalidInput
from haochaping.rectification.conf import rect_setting
from haochaping.rectification.models import Evidence, Rectification, RectificationEvent

# extension -> (content type, magic bytes at the start of the file)
ALLOWED = {
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".pdf": ("application/pdf", b"%PDF-"),
}


def _extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower()


def evidence_errors(files: list[UploadedFile]) -> list[str]:
    """Problems with the uploaded files (empty when all are acceptable)."""
    errors: list[str] = []
    max_files = rect_setting("EVIDENCE_MAX_FILES")
    max_bytes = rect_setting("EVIDENCE_MAX_BYTES")
    if len(files) > max_files:
        errors.append(_("At most %(n)s files at a time.") % {"n": max_files})
    for f in files:
        ext = _extension(f.name or "")
        if ext not in ALLOWED:
            errors.append(
                _("%(name)s: only JPEG, PNG and PDF files are accepted.") % {"name": f.name}
            )
            continue
        if f.size is None or f.size > max_bytes:
            errors.append(
                _("%(name)s: the file is larger than %(mb)s MB.")
                % {"name": f.name, "mb": max_bytes // (1024 * 1024)}
            )
            continue
        if f.size == 0:
            errors.append(_("%(name)s: the file is empty.") % {"name": f.name})
            continue
        magic = ALLOWED[ext][1]
        f.seek(0)
        head = f.read(len(magic))
        f.seek(0)
        if head != magic:
            errors.append(
                _("%(name)s: the content is not a JPEG, PNG or PDF file.") % {"name": f.name}
            )
        elif ext == ".pdf" and _pdf_has_active_content(f):
            errors.append(
                _("%(name)s: the PDF contains scripts, embedded files or launch actions.")
                % {"name": f.name}
            )
    return errors


# PDF names that run code or carry other files when a reviewer opens the evidence.
PDF_ACTIVE_MARKERS = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")


def _pdf_has_active_content(f: UploadedFile) -> bool:
    overlap = max(len(m) for m in PDF_ACTIVE_MARKERS)
    tail = b""
    f.seek(0)
    try:
        for chunk in f.chunks():
            window = tail + chunk
            if any(m in window for m in PDF_ACTIVE_MARKERS):
                return True
            tail = window[-overlap:]
        return False
    finally:
        f.seek(0)


def validate_evidence(files: list[UploadedFile]) -> None:
    errors = evidence_errors(files)
    if errors:
        raise InvalidInput(extra={"errors": {"files": errors}})


def evidence_store(
    *,
    rectification: Rectification,
    event: RectificationEvent | None,
    files: list[UploadedFile],
    acting_user: Any,
) -> list[Evidence]:
    """Save already validated files and link them to the timeline event (caller's transaction)."""
    stored = []
    at = clock_now()
    for f in files:
        ext = _extension(f.name or "")
        digest = hashlib.sha256()
        for chunk in f.chunks():
            digest.update(chunk)
        f.seek(0)
        evidence = Evidence(
            rectification=rectification,
            event=event,
            original_name=os.path.basename(f.name or "")[:200],
            content_type=ALLOWED[ext][0],
            size=f.size or 0,
            sha256=digest.hexdigest(),
            uploaded_by=acting_user if getattr(acting_user, "pk", None) else None,
            uploaded_at=at,
        )
        evidence.file.save(f"{uuid.uuid4().hex}{ext}", f, save=False)
        evidence.save()
        stored.append(evidence)
    return stored
