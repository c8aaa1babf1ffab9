from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from haochaping.accounts.models import User
from haochaping.core.exceptions import InvalidInput, NotFound
from haochaping.notifications import services
from haochaping.notifications.forms import PreferenceForm
from haochaping.notifications.messages import render as render_message
from haochaping.notifications.selectors import notification_list
from haochaping.notifications.services import preference_for


class StaffRequest(HttpRequest):
    """A request behind @login_required (django-htmx adds ``htmx``)."""

    user: User
    htmx: HtmxDetails


@login_required
@require_GET
def inbox(request: StaffRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(notification_list(user=request.user, unread_only=unread_only), 25).get_page(
        request.GET.get("page")
    )
    language = get_language()
    rows = [(note, render_message(note.message, note.params, language=language)) for note in page]
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "rows": rows, "unread_only": unread_only},
    )


@login_required
@require_GET
def badge(request: StaffRequest) -> HttpResponse:
    return render(request, "notifications/_inbox_link.html")


@login_required
@require_POST
def mark_read(request: StaffRequest, notification_id: int) -> HttpResponse:
    try:
        note = services.notification_mark_read(
            notification_id=notification_id, acting_user=request.user
        )
    except NotFound:
        raise Http404 from None
    if (
        request.POST.get("open")
        and note.url
        and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()})
    ):
        return redirect(note.url)
    if request.htmx:
        return render(request, "notifications/_inbox_link.html")
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: StaffRequest) -> HttpResponse:
    count = services.notification_mark_all_read(acting_user=request.user)
    messages.success(request, _("%(count)s messages marked as read.") % {"count": count})
    return redirect("notifications:inbox")


@login_required
def preferences(request: StaffRequest) -> HttpResponse:
    form = PreferenceForm(request.POST or None, instance=preference_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_update(acting_user=request.user, **form.cleaned_data)
        except InvalidInput as exc:
            for field, errors in exc.extra.get("errors", {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
