"""Message templates, translated to zh-hans and bo through this app's catalog.

A template has a subject (the inbox title), a body (the inbox text) and an SMS text. Parameters
are stored with the notification and formatted with ``%(name)s`` in the reader's language when
shown, or in the recipient's language when an SMS is rendered. Other apps add templates with
:func:`register_message` (in ``AppConfig.ready()``), their strings in their own catalogs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Message:
    key: str
    subject: Any
    body: Any
    sms: Any = None  # defaults to the body
    # param name -> function turning the stored value into display text (called in the language)
    formatters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    sms: str


_MESSAGES: dict[str, Message] = {}


def register_message(message: Message) -> Message:
    if message.key in _MESSAGES and _MESSAGES[message.key] != message:
        raise ValueError(f"message template {message.key!r} is already registered")
    _MESSAGES[message.key] = message
    return message


def get_message(key: str) -> Message:
    try:
        return _MESSAGES[key]
    except KeyError:
        raise LookupError(f"unknown message template {key!r}") from None


def render(key: str, params: dict[str, Any], *, language: str | None = None) -> Rendered:
    message = get_message(key)
    with translation.override(language or translation.get_language()):
        values = {
            name: (message.formatters[name](value) if name in message.formatters else value)
            for name, value in params.items()
        }
        values = {name: str(value) for name, value in values.items()}
        subject = str(message.subject) % values
        body = str(message.body) % values
        sms = str(message.sms) % values if message.sms is not None else body
    return Rendered(subject=subject, body=body, sms=sms)


def _escalation_level(value: Any) -> Any:
    from haochaping.jobs.escalation import EscalationLevel

    return EscalationLevel(int(value)).label


register_message(
    Message(
        key="deadline.warning",
        subject=_("Deadline approaching: %(item)s"),
        body=_("%(item)s is due at %(due)s; %(percent)s%% of the time has been used."),
        sms=_("[Good/Bad Review] %(item)s is due at %(due)s. Please handle it in time."),
    )
)
register_message(
    Message(
        key="deadline.escalated",
        subject=_("Overdue: %(item)s"),
        body=_(
            "%(item)s passed its deadline of %(due)s and has been escalated to you (%(level)s)."
        ),
        sms=_("[Good/Bad Review] %(item)s is overdue (deadline %(due)s) and escalated to you."),
        formatters={"level": _escalation_level},
    )
)
register_message(
    Message(
        key="digest.daily",
        subject=_("Your daily summary"),
        body=_("You have %(count)s unread messages in the good/bad review system."),
    )
)
register_message(
    Message(
        key="rating.invite",
        subject=_("Please rate our service"),
        body=_("Please rate the service you received for case %(project_no)s: %(url)s"),
    )
)
register_message(
    Message(
        key="callback.invite",
        subject=_("Your bad review has been handled"),
        body=_(
            "Your review of case %(project_no)s has been handled. "
            "Please tell us whether you are satisfied: %(url)s"
        ),
    )
)
