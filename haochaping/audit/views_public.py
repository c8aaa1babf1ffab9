"""The published daily chain heads at /public/audit/: anyone can write them down and later check
that the audit trail (and with it every sealed rating) was not rewritten:
``haochaping audit verify --head SEQ:HASH``. Served like the rest of the public site (no session,
``?lang=``, Cache-Control and ETag) through its decorator."""

from __future__ import annotations

import json

from django.http import HttpRequest

from haochaping.audit.models import DayHead
from haochaping.results.views_public import _html, _Response, public_page

DAYS = 90


def _rows() -> list[DayHead]:
    return list(DayHead.objects.order_by("-day")[:DAYS])


@public_page
def heads(request: HttpRequest, language: str) -> _Response:
    return _html(request, language, "audit/public_heads.html", {"heads": _rows()})


@public_page
def heads_json(request: HttpRequest, language: str) -> _Response:
    body = json.dumps(
        [{"day": h.day.isoformat(), "seq": h.seq, "hash": h.hash} for h in _rows()], indent=1
    )
    return _Response(body, "application/json")
