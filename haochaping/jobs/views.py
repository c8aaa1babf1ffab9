from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from haochaping.accounts.access import require_role
from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.core.exceptions import ApplicationError, NotFound, PermissionDenied
from haochaping.jobs import selectors, services


class StaffRequest(HttpRequest):
    """A request behind @login_required (django-htmx adds ``htmx``)."""

    user: User
    htmx: HtmxDetails


def _require_admin(request: StaffRequest) -> None:
    try:
        require_role(request.user, Role.ADMIN)
    except PermissionDenied:
        raise DjangoPermissionDenied from None


@login_required
def dashboard(request: StaffRequest) -> HttpResponse:
    _require_admin(request)
    context = {
        "queues": selectors.queue_stats(),
        "workers": selectors.worker_list(),
        "periodic": selectors.periodic_status(),
        "parked": selectors.parked_jobs()[:50],
        "retrying": selectors.retrying_jobs()[:50],
    }
    return render(request, "jobs/dashboard.html", context)


@login_required
@require_POST
def requeue(request: StaffRequest, job_id: str) -> HttpResponse:
    _require_admin(request)
    try:
        row = services.job_requeue(job_id=job_id, acting_user=request.user)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Job %(id)s was put back in the queue.") % {"id": row.pk})
    return redirect("jobs:dashboard")
