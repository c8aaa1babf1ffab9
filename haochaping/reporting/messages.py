"""Notification templates of the reporting app (registered in AppConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from haochaping.notifications.messages import Message, register_message


def _kind_label(value: Any) -> Any:
    from haochaping.reporting.enums import ReportKind

    return ReportKind(value).label if value in ReportKind.values else value


DRAFT_READY = register_message(
    Message(
        key="reporting.draft_ready",
        subject=_("Report draft ready: %(kind)s %(period)s"),
        body=_("The draft of %(kind)s for %(period)s is ready for review."),
        formatters={"kind": _kind_label},
    )
)
PUBLISHED = register_message(
    Message(
        key="reporting.published",
        subject=_("Report published: %(kind)s %(period)s"),
        body=_("%(kind)s for %(period)s (version %(version)s) has been published."),
        formatters={"kind": _kind_label},
    )
)
