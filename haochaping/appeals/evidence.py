"""Evidence files of an appeal: the same rules as rectification evidence (JPEG, PNG, PDF checked
by content, size and number limited: ``HAOCHAPING_RECTIFICATION["EVIDENCE_MAX_*"]``), stored
under MEDIA_ROOT with random names and downloaded only through the permission-checked views."""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext as _

from haochaping.appeals.models import Appeal, AppealEvent, AppealEvidence
from haochaping.core.clock import now as clock_now
from haochaping.core.exceptions import NotFound
from haochaping.rectification.evidence import ALLOWED, validate_evidence

__all__ = ["evidence_response", "evidence_store", "validate_evidence"]


def evidence_store(
    *, appeal: Appeal, event: AppealEvent | None, files: list[UploadedFile], acting_user: Any
) -> list[AppealEvidence]:
    """Save already validated files (the caller's transaction)."""
    stored = []
    at = clock_now()
    for f in files:
        ext = os.path.splitext(f.name or "")[1].lower()
        digest = hashlib.sha256()
        for chunk in f.chunks():
            digest.update(chunk)
        f.seek(0)
        evidence = AppealEvidence(
            appeal=appeal,
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


def evidence_response(appeal: Appeal, evidence_id: int) -> FileResponse:
    evidence = AppealEvidence.objects.filter(appeal=appeal, pk=evidence_id).first()
    if evidence is None:
        raise NotFound()
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise NotFound(_("The file is missing from storage.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
