"""Timeline rows of the coverage app, and the signal the integrity view listens to."""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

from haochaping.core.clock import now
from haochaping.coverage.models import CoverageEvent

TASK_CREATED = "coverage.task_created"
TASK_SMS_SENT = "coverage.task_sms_sent"
TASK_ATTEMPT = "coverage.task_attempt"
TASK_CLOSED = "coverage.task_closed"
TASK_WARNED = "coverage.task_deadline_warned"
TASK_ESCALATED = "coverage.task_deadline_escalated"
DEFAULT_WRITTEN = "coverage.default_rating_written"
COMMENT_RECEIVED = "coverage.comment_received"
COMMENT_CLASSIFIED = "coverage.comment_classified"
COMMENT_ROUTED = "coverage.comment_routed"
SAMPLE_DRAWN = "coverage.sample_drawn"
INTERVIEW_RECORDED = "coverage.interview_recorded"
INTERVIEW_MISMATCH = "coverage.interview_mismatch"
VISIT_RECORDED = "coverage.visit_recorded"
ACTION_ADDED = "coverage.follow_up_added"
ACTION_DONE = "coverage.follow_up_done"

# Sent inside the interview's transaction when a sampled citizen does not confirm the rating,
# says staff entered it, or says they were pressured; with ``interview`` and ``rating``. The
# integrity view (rigged / staff re-entered ratings) connects here.
interview_mismatch_found = Signal()


def coverage_event_record(
    *,
    subject: str,
    subject_id: int,
    type: str,
    payload: dict[str, Any] | None = None,
    acting_user: Any = None,
) -> CoverageEvent:
    return CoverageEvent.objects.create(
        subject=subject,
        subject_id=subject_id,
        type=type,
        payload=payload or {},
        acting_user=acting_user,
        created_at=now(),
    )
