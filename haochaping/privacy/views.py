"""Pages under /privacy/: reveal an identity (with a reason), and the reveal log for supervisors."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from haochaping.core.clock import LOCAL_TZ
from haochaping.core.exceptions import ApplicationError, InvalidInput
from haochaping.privacy import selectors, services
from haochaping.privacy.policy import TARGETS

LOG_PAGE = 100


@require_POST
@login_required
def reveal(request: HttpRequest, target: str, object_id: str) -> HttpResponse:
    """Shows the full identity once (htmx swaps the box); nothing is shown without a reason."""
    template = "privacy/_identity.html" if request.htmx else "privacy/revealed.html"
    context = {"target": target, "object_id": object_id}
    try:
        identity = services.identity_reveal(
            target=target,
            object_id=object_id,
            reason=request.POST.get("reason", ""),
            acting_user=request.user,
            address=request.META.get("REMOTE_ADDR"),
        )
    except InvalidInput as exc:
        context["errors"] = [m for msgs in exc.extra["errors"].values() for m in msgs]
        return render(request, template, context, status=exc.status)
    except ApplicationError as exc:
        context["errors"] = [str(exc.message)]
        return render(request, template, context, status=exc.status)
    context["identity"] = identity
    context["revealed"] = True
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_GET
@login_required
def reveal_log(request: HttpRequest) -> HttpResponse:
    since, until = _day(request.GET.get("since")), _day(request.GET.get("until"))
    try:
        qs = selectors.reveal_log_list(
            request.user,
            since=dt.datetime.combine(since, dt.time(), LOCAL_TZ) if since else None,
            until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), LOCAL_TZ)
            if until
            else None,
            username=request.GET.get("user", "").strip(),
            target=request.GET.get("target", ""),
        )
    except ApplicationError as exc:
        return render(request, "privacy/error.html", {"error": exc}, status=exc.status)
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    rows = list(qs[: LOG_PAGE + 1])
    more = len(rows) > LOG_PAGE
    rows = rows[:LOG_PAGE]
    return render(
        request,
        "privacy/reveal_log.html",
        {
            "rows": rows,
            "next_before": rows[-1].pk if more else None,
            "targets": sorted(TARGETS),
            "filters": {k: request.GET.get(k, "") for k in ("since", "until", "user", "target")},
        },
    )
