"""The main menu: which pages each role reaches from the header.

One table, read by the ``nav`` context processor. An entry whose URL does not resolve (its app
is not installed) is left out, so a deployment without a capability shows no dead link.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from haochaping.accounts.enums import Role

ALL = frozenset(Role.values)
BUREAU = frozenset({Role.ADMIN, Role.LIAISON})
OVERSIGHT = frozenset({Role.ADMIN, Role.LIAISON, Role.SUPERVISOR, Role.LEADER})

# (url name, label, roles that see it)
MENU: list[tuple[str, Any, frozenset[str]]] = [
    (
        "rectification:queue",
        _("Bad reviews"),
        frozenset({Role.HANDLER, Role.LIAISON, Role.SUPERVISOR, Role.ADMIN}),
    ),
    ("rectification:callbacks", _("Callbacks"), BUREAU),
    ("rectification:overview", _("Overview by unit"), OVERSIGHT),
    (
        "appeals:queue",
        _("Appeals"),
        frozenset({Role.REVIEWER, Role.WINDOW_STAFF, Role.HANDLER, Role.LIAISON, Role.ADMIN}),
    ),
    ("results:overview", _("Results"), ALL - {Role.WINDOW_STAFF}),
    (
        "channels:index",
        _("Rating channels"),
        frozenset({Role.WINDOW_STAFF, Role.LIAISON, Role.ADMIN, Role.HANDLER}),
    ),
    ("coverage:index", _("Coverage"), ALL - {Role.REVIEWER}),
    ("workdays:index", _("Working-day calendar"), BUREAU),
    ("dataout:dashboard", _("Regional platform"), frozenset({Role.ADMIN})),
    ("jobs:dashboard", _("Background jobs"), frozenset({Role.ADMIN})),
    ("reports:index", _("Reports"), OVERSIGHT),
    ("integrity:index", _("Integrity"), OVERSIGHT),
    ("privacy:reveal_log", _("Identity reveals"), frozenset({Role.ADMIN, Role.SUPERVISOR})),
]


def menu_for(user: Any) -> list[dict[str, Any]]:
    if not getattr(user, "is_authenticated", False):
        return []
    entries = []
    for url_name, label, roles in MENU:
        if not (user.is_superuser or user.role in roles):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        entries.append({"url": url, "label": label, "name": url_name})
    return entries
