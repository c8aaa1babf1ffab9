"""Pages under /integrity/: the bureau's review queue, per-check statistics, the unit view.

Views parse input, fetch through the access helpers in ``selectors``, call one service and
render. 403 for a wrong role, 404 for unknown or out-of-scope reviews, 409 for a decided one.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from haochaping.accounts.access import access_unit
from haochaping.core.clock import LOCAL_TZ, today
from haochaping.core.exceptions import ApplicationError, InvalidInput
from haochaping.integrity import selectors, services
from haochaping.integrity.checks import active_checks
from haochaping.integrity.enums import ReviewStatus


def _page(view):
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except InvalidInput as exc:
            messages.error(
                request,
                "; ".join(m for msgs in exc.extra.get("errors", {}).values() for m in msgs)
                or str(exc.message),
            )
            return redirect(request.get_full_path())
        except ApplicationError as exc:
            return render(request, "integrity/error.html", {"error": exc}, status=exc.status)

    return wrapped


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _period(request: HttpRequest, days: int) -> tuple[dt.date, dt.date]:
    until = _date(request.GET.get("until"), today())
    return _date(request.GET.get("since"), until - dt.timedelta(days=days - 1)), until


@require_GET
@_page
def index(request: HttpRequest) -> HttpResponse:
    """The review queue (bureau); supervision roles land on the unit view."""
    if not request.user.is_superuser and request.user.role not in selectors.QUEUE_ROLES:
        return unit_view(request)
    status = request.GET.get("status", ReviewStatus.OPEN)
    if status not in ReviewStatus.values:
        status = ReviewStatus.OPEN
    check = request.GET.get("check", "")
    reviews = list(selectors.review_list(request.user, status=status, check=check)[:200])
    rows = [{"review": r, "flags": selectors.flag_reasons(r)} for r in reviews]
    return render(
        request,
        "integrity/queue.html",
        {
            "rows": rows,
            "status": status,
            "check": check,
            "statuses": ReviewStatus.choices,
            "checks": active_checks(),
        },
    )


@require_GET
@_page
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.access_review(request.user, review_id)
    return render(
        request,
        "integrity/review.html",
        {
            "review": review,
            "rating": review.rating,
            "flags": selectors.flag_reasons(review),
            "timeline": selectors.rating_timeline(review),
            "is_open": review.status == ReviewStatus.OPEN,
        },
    )


@require_POST
@_page
def review_confirm(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.access_review(request.user, review_id)
    try:
        services.review_confirm(
            review=review, reason=request.POST.get("reason", ""), acting_user=request.user
        )
    except InvalidInput as exc:
        messages.error(request, "; ".join(m for msgs in exc.extra["errors"].values() for m in msgs))
        return redirect("integrity:review", review_id=review.pk)
    messages.success(request, _("The rating was excluded from all results."))
    return redirect("integrity:review", review_id=review.pk)


@require_POST
@_page
def review_clear(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.access_review(request.user, review_id)
    try:
        services.review_clear(
            review=review, reason=request.POST.get("reason", ""), acting_user=request.user
        )
    except InvalidInput as exc:
        messages.error(request, "; ".join(m for msgs in exc.extra["errors"].values() for m in msgs))
        return redirect("integrity:review", review_id=review.pk)
    messages.success(request, _("The flags were cleared; the rating stays counted."))
    return redirect("integrity:review", review_id=review.pk)


@require_GET
@_page
def check_list(request: HttpRequest) -> HttpResponse:
    since, until = _period(request, 90)
    start = dt.datetime.combine(since, dt.time.min, tzinfo=LOCAL_TZ)
    return render(
        request,
        "integrity/checks.html",
        {
            "stats": selectors.check_stats(request.user, since=start),
            "since": since,
            "until": until,
            "thresholds": selectors.thresholds(),
        },
    )


@require_GET
@_page
def unit_view(request: HttpRequest) -> HttpResponse:
    since, until = _period(request, 30)
    return render(
        request,
        "integrity/units.html",
        {
            "rows": selectors.unit_integrity(request.user, since=since, until=until),
            "since": since,
            "until": until,
        },
    )


@require_GET
@_page
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    since, until = _period(request, 84)
    weeks = selectors.unit_weekly(
        request.user, access_unit(request.user, unit_id), since=since, until=until
    )
    return render(
        request,
        "integrity/unit.html",
        {
            "unit": access_unit(request.user, unit_id),
            "weeks": weeks,
            "since": since,
            "until": until,
            "checks": active_checks(),
        },
    )
