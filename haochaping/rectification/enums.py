"""Vocabularies of bad-review rectification (差评整改), DOMAIN.md §5."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Citizen contacted")
    RECTIFYING = "rectifying", _("Rectifying")
    FEEDBACK_GIVEN = "feedback_given", _("Feedback given")
    AWAITING_CALLBACK = "awaiting_callback", _("Awaiting callback")
    REOPENED = "reopened", _("Reopened")
    ESCALATED = "escalated", _("Escalated to supervision")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn (rating not adopted)")

    @classmethod
    def open_values(cls) -> list[str]:
        return [s.value for s in cls if s not in (cls.CLOSED, cls.WITHDRAWN)]


class Action(models.TextChoices):
    """Every operation on a rectification; transitions.py says which state each one needs."""

    CONTACT = "contact", _("Record contact with the citizen")
    FIX_AT_ONCE = "fix_at_once", _("Fixed at once (立行立改)")
    START = "start", _("Start rectification")
    MARK_COMPLEX = "mark_complex", _("Mark as complex (15 working days)")
    EXPLAIN = "explain", _("Give an explanation (no legal basis)")
    FEEDBACK = "feedback", _("Give rectification feedback")
    ACCEPT_FEEDBACK = "accept_feedback", _("Accept the feedback for callback")
    RETURN = "return", _("Return for rework")
    CALLBACK = "callback", _("Record a callback attempt")
    CLOSE = "close", _("Close after the callback")
    REOPEN = "reopen", _("Reopen (unsatisfied callback)")
    ESCALATE = "escalate", _("Escalate to supervision")
    SUPERVISION_CLOSE = "supervision_close", _("Conclude (supervision)")
    SUPERVISION_RETURN = "supervision_return", _("Send back to the unit (supervision)")
    WITHDRAW = "withdraw", _("Withdraw (rating not adopted)")


class Resolution(models.TextChoices):
    """How the unit answered the bad review."""

    FIXED_AT_ONCE = "fixed_at_once", _("Fixed at once")
    RECTIFIED = "rectified", _("Rectified")
    EXPLAINED = "explained", _("Explained (no legal basis for the request)")


class CallbackMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    ONLINE = "online", _("Online self-rating")


class CallbackOutcome(models.TextChoices):
    REACHED = "reached", _("Citizen reached")
    UNREACHABLE = "unreachable", _("Could not reach the citizen")
    NO_CONTACT = "no_contact", _("No contact details (anonymous review)")


class FixSatisfaction(models.TextChoices):
    """The citizen's satisfaction with the fix (满意 / 基本满意 / 不满意)."""

    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class AfterUnsatisfied(models.TextChoices):
    REOPEN = "reopen", _("Reopen with new deadlines")
    ESCALATE = "escalate", _("Escalate to supervision")


class Clock(models.TextChoices):
    CONTACT = "contact", _("Contact the citizen")
    FEEDBACK = "feedback", _("Rectification feedback")
    CLOSE = "close", _("Callback and close")


class ClockState(models.TextChoices):
    OK = "ok", _("On time")
    WARNING = "warning", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    NONE = "none", _("No running deadline")
