from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from haochaping.core.health import health
from haochaping.core.selectors import home_summary


def home(request: HttpRequest) -> HttpResponse:
    context = {}
    if request.user.is_authenticated:
        context["summary"] = home_summary(request.user)
    return render(request, "core/home.html", context)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Health for load balancers and monitors (haochaping.core.health): 200 when every database
    answers and the queue moves, 503 naming the failing part. Words only: the page is public."""
    healthy, parts = health()
    status = "ok" if healthy else "error"
    return JsonResponse({"status": status, **parts}, status=200 if healthy else 503)
