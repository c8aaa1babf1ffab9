"""Framing rules for the citizen pages, the only pages that may be embedded.

settings.X_FRAME_OPTIONS is DENY for the whole site. The rating page drops that header
(``xframe_options_exempt``) and instead sends ``Content-Security-Policy: frame-ancestors`` with
our own origin plus the configured allow-list (``FRAME_ANCESTORS``), so only the portal and the
apps named there can frame it.
"""

from __future__ import annotations

from functools import wraps

from django.views.decorators.clickjacking import xframe_options_exempt

from haochaping.channels.conf import channel_setting


def frame_ancestors_sources() -> list[str]:
    return ["'self'", *[o.rstrip("/") for o in channel_setting("FRAME_ANCESTORS")]]


def embeddable(view):
    @xframe_options_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        # The site's whole policy (django-csp) with this page's own frame-ancestors; setting the
        # header here would replace the policy and leave the citizen page without script rules.
        response._csp_replace = {"frame-ancestors": frame_ancestors_sources()}
        return response

    return wrapped
