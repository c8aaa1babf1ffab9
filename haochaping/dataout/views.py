"""The admin page: push lag, backlog, failures; retry, resend and reconcile (all audited)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haochaping.accounts.access import require_role
from haochaping.accounts.enums import Role
from haochaping.core.clock import today
from haochaping.core.exceptions import ApplicationError, NotFound, PermissionDenied
from haochaping.dataout import selectors, services
from haochaping.dataout.conf import dataout_setting
from haochaping.dataout.reconcile import reconcile_day


def _require_admin(request: HttpRequest) -> None:
    try:
        require_role(request.user, Role.ADMIN)
    except PermissionDenied:
        raise DjangoPermissionDenied from None


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    record_id = request.GET.get("record", "").strip()
    found = list(selectors.message_search(record_id=record_id)) if record_id else []
    context = {
        "stats": selectors.outbox_stats(),
        "dead": selectors.dead_messages()[:50],
        "retrying": selectors.retrying_messages()[:50],
        "blocked": selectors.blocked_messages()[:50],
        "runs": selectors.reconciliation_runs()[:20],
        "audit": selectors.audit_entries()[:30],
        "record_id": record_id,
        "found": [(m, list(selectors.recent_attempts(m)[:20])) for m in found],
        "platform_url": dataout_setting("PLATFORM_URL"),
        "adapter": dataout_setting("ADAPTER"),
        "yesterday": today() - dt.timedelta(days=1),
    }
    return render(request, "dataout/dashboard.html", context)


def _act(request: HttpRequest, func, success: str, **kwargs) -> HttpResponse:
    _require_admin(request)
    try:
        m = func(acting_user=request.user, **kwargs)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success % {"record": m.record_id})
    return redirect("dataout:dashboard")


@login_required
@require_POST
def retry(request: HttpRequest, message_id: int) -> HttpResponse:
    return _act(
        request,
        services.message_retry,
        _("Record %(record)s will be sent again."),
        message_id=message_id,
    )


@login_required
@require_POST
def resend(request: HttpRequest, message_id: int) -> HttpResponse:
    return _act(
        request,
        services.message_resend,
        _("Record %(record)s will be sent again."),
        message_id=message_id,
    )


@login_required
@require_POST
def retry_dead(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    n = services.messages_retry_dead(acting_user=request.user)
    messages.success(request, _("%(n)d dead-lettered records will be sent again.") % {"n": n})
    return redirect("dataout:dashboard")


@login_required
@require_POST
def reconcile(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        messages.error(request, _("Give the day as yyyy-mm-dd."))
        return redirect("dataout:dashboard")
    runs = reconcile_day(day=day, acting_user=request.user)
    for run in runs:
        messages.info(
            request,
            _("%(day)s %(topic)s: %(status)s (here %(here)s, platform %(platform)s)")
            % {
                "day": run.day,
                "topic": run.get_topic_display(),
                "status": run.get_status_display(),
                "here": run.local_count,
                "platform": "—" if run.platform_count is None else run.platform_count,
            },
        )
    return redirect("dataout:dashboard")
