"""The one clock of the system.

Every piece of code that needs "now" calls :func:`now` (aware, UTC) or :func:`local_now`
(aware, Asia/Shanghai); tests move it with time-machine.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now()


def local_now() -> dt.datetime:
    return now().astimezone(LOCAL_TZ)


def today() -> dt.date:
    """Today's date in local (Lhasa, Asia/Shanghai) time."""
    return local_now().date()
