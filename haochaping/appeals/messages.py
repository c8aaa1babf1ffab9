"""Inbox and SMS templates of appeals. Citizen SMS are in neutral words: they never say
"malicious" and never name the staff member or the appellant."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from haochaping.notifications.messages import Message, register_message


def _outcome(value: object) -> object:
    from haochaping.appeals.enums import Outcome

    return Outcome(str(value)).label if value in Outcome.values else value


register_message(
    Message(
        key="appeals.notice",
        subject=_("Rectification notice: a bad review of your service"),
        body=_(
            "A bad review of your service (%(item)s, %(day)s) is being rectified. If you believe "
            "it is mistaken, you may appeal in writing with evidence by %(due)s."
        ),
        sms=_(
            "[Good/Bad Review] A bad review of your service (%(item)s) is being rectified. "
            "You may appeal by %(due)s."
        ),
    )
)
register_message(
    Message(
        key="appeals.filed",
        subject=_("New appeal to review: %(appeal)s"),
        body=_("%(unit)s appealed a bad review (%(appeal)s). Decide by %(due)s."),
        sms=_("[Good/Bad Review] New appeal %(appeal)s to review: decide by %(due)s."),
    )
)
register_message(
    Message(
        key="appeals.decided",
        subject=_("Appeal decided: %(appeal)s"),
        body=_("Appeal %(appeal)s was decided: %(outcome)s."),
        formatters={"outcome": _outcome},
    )
)
register_message(
    Message(
        key="appeals.further_requested",
        subject=_("Further review asked: %(appeal)s"),
        body=_("A further review of appeal %(appeal)s was asked for. Decide by %(due)s."),
        sms=_("[Good/Bad Review] Further review of appeal %(appeal)s: decide by %(due)s."),
    )
)
register_message(
    Message(
        key="appeals.further_decided",
        subject=_("Further review decided: %(appeal)s"),
        body=_("The further review of appeal %(appeal)s was decided: %(outcome)s."),
        formatters={"outcome": _outcome},
    )
)
# To the citizen (SMS only; neutral words).
register_message(
    Message(
        key="appeals.citizen_not_adopted",
        subject=_("About your review"),
        body=_(
            "[Good/Bad Review] Your review of %(item)s on %(day)s was checked under the rating "
            "rules and will not be counted in the results. Thank you for your feedback."
        ),
    )
)
register_message(
    Message(
        key="appeals.citizen_explanation",
        subject=_("About your review"),
        body=_("[Good/Bad Review] About your review of %(item)s on %(day)s: %(explanation)s"),
    )
)
