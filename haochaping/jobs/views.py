from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from haochaping.accounts.access import require_role
from haochaping.accounts.enums import Role
from haochaping.core.exceptions import ApplicationError
from haochaping.jobs import selectors, services


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require_role(request.user, Role.ADMIN)
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
def requeue(request: HttpRequest, job_id: str) -> HttpResponse:
    try:
        row = services.job_requeue(job_id=job_id, acting_user=request.user)
    except ApplicationError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Job %(id)s was put back in the queue.") % {"id": row.pk})
    return redirect("jobs:dashboard")
