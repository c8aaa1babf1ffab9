from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from haochaping.accounts.middleware import session_mark_login


@receiver(user_logged_in, dispatch_uid="accounts.session_clocks")
def start_session_clocks(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_mark_login(request)
