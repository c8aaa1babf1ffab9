"""Inbox and SMS templates of rectification (zh-hans and bo through this app's catalog)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from haochaping.notifications.messages import Message, register_message

register_message(
    Message(
        key="rectification.assigned",
        subject=_("New bad review to handle: %(item)s"),
        body=_("A bad review of %(item)s was routed to your unit. Contact the citizen by %(due)s."),
        sms=_("[Good/Bad Review] New bad review %(item)s: contact the citizen by %(due)s."),
    )
)
register_message(
    Message(
        key="rectification.returned",
        subject=_("Rectification returned: %(item)s"),
        body=_(
            "The rectification of %(item)s was sent back for more work. New feedback deadline: %(due)s."
        ),
        sms=_("[Good/Bad Review] %(item)s was sent back. Give feedback by %(due)s."),
    )
)
register_message(
    Message(
        key="rectification.reopened",
        subject=_("Rectification reopened: %(item)s"),
        body=_(
            "The citizen is not satisfied with the fix of %(item)s. Contact them again by %(due)s."
        ),
        sms=_(
            "[Good/Bad Review] %(item)s reopened: the citizen is not satisfied. Contact them by %(due)s."
        ),
    )
)
register_message(
    Message(
        key="rectification.escalated",
        subject=_("Bad review escalated to supervision: %(item)s"),
        body=_(
            "The citizen remained unsatisfied after the rectification of %(item)s; it is escalated to you."
        ),
    )
)
register_message(
    Message(
        key="rectification.urged",
        subject=_("Supervision urges: %(item)s"),
        body=_("%(by)s urges your unit to finish the rectification of %(item)s."),
        sms=_("[Good/Bad Review] Supervision urges you to finish %(item)s."),
    )
)
