"""The calendar page for the system administrator and the bureau liaison (DOMAIN.md §2, §9).

Views parse input, check the role, call one service and render. Forms are plain server-rendered
HTML that htmx enhances (adding an entry swaps the form in place, deleting removes the row);
everything also works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.middleware import HtmxDetails

from haochaping.accounts.access import require_role
from haochaping.accounts.enums import Role
from haochaping.core import clock
from haochaping.core.exceptions import InvalidInput, NotFound, PermissionDenied
from haochaping.org.models import Region
from haochaping.workdays import fileformat, selectors, services
from haochaping.workdays.arithmetic import explain_workdays
from haochaping.workdays.enums import EntryKind
from haochaping.workdays.forms import DeadlineForm, EntryForm, ImportConfirmForm, ImportForm


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def calendar_staff(view):
    """Logged in, and the admin or liaison role (or a superuser)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            require_role(cast(Any, request.user), Role.ADMIN, Role.LIAISON)
        except PermissionDenied:
            raise DjangoPermissionDenied(
                _("Only the system administrator and the bureau liaison keep the calendar.")
            ) from None
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            from django.http import Http404

            raise Http404 from None

    return wrapped


def _region_names() -> dict[str, str]:
    names = {code: code for code in sorted(selectors.BUILTIN_REGION_CODES)}
    names.update(dict(Region.objects.values_list("code", "name")))
    return names


def _scope_label(code: str, names: dict[str, str]) -> str:
    if not code:
        return _("National")
    name = names.get(code, code)
    return f"{name} ({code})" if name != code else code


def _add_field_errors(form, exc: InvalidInput) -> None:
    errors = exc.extra.get("errors") or {"__all__": [str(exc.message)]}
    for field, msgs in errors.items():
        target = field if field in form.fields else None
        for msg in msgs:
            form.add_error(target, msg)


def _changed_message(request: HttpRequest, text: str, recomputed: int) -> None:
    messages.success(
        request,
        _("%(text)s Open deadlines recomputed: %(count)s.") % {"text": text, "count": recomputed},
    )


def _list_url(year: int, scope: str | None = None) -> str:
    url = reverse("workdays:index") + f"?year={year}"
    return url + (f"&scope={scope or 'national'}" if scope is not None else "")


def _parse_year(value: str | None) -> int:
    try:
        year = int(value or "")
    except ValueError:
        return clock.today().year
    return year if 1949 <= year <= 2200 else clock.today().year


@calendar_staff
def index(request: HttpRequest) -> HttpResponse:
    year = _parse_year(request.GET.get("year"))
    scope_param = request.GET.get("scope", "all")
    scope = None if scope_param == "all" else ("" if scope_param == "national" else scope_param)
    entries = list(selectors.entry_list(year=year, region_code=scope))
    names = _region_names()
    for entry in entries:
        entry.scope_label = _scope_label(entry.region_code, names)  # type: ignore[attr-defined]
    summary = [
        {**row, "label": _scope_label(row["region_code"], names)}
        for row in selectors.year_summary(year)
    ]
    scopes = sorted(
        set(selectors.scopes_in_use()) | {"540000", "540100"} | ({scope} if scope else set())
    )
    years = sorted(
        set(selectors.years_in_use()) | {clock.today().year, clock.today().year + 1, year}
    )
    return render(
        request,
        "workdays/index.html",
        {
            "year": year,
            "entries": entries,
            "summary": summary,
            "has_national": any(r["region_code"] == "" for r in summary),
            "scope_param": scope_param,
            "scope_options": [(c or "national", _scope_label(c, names)) for c in scopes],
            "years": years,
            "form": EntryForm(
                initial={"date": dt.date(year, 1, 1) if year != clock.today().year else None}
            ),
            "region_names": names,
        },
    )


def _render_entry_form(request: HtmxHttpRequest, form, *, entry=None, status=200):
    template = "workdays/_entry_form.html" if request.htmx else "workdays/entry_form.html"
    if request.htmx and status == 422:
        status = 200  # htmx swaps only 2xx answers
    return render(
        request,
        template,
        {"form": form, "entry": entry, "region_names": _region_names()},
        status=status,
    )


@calendar_staff
@require_http_methods(["GET", "POST"])
def entry_new(request: HtmxHttpRequest) -> HttpResponse:
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.entry_create(acting_user=request.user, **form.cleaned_data)
        except InvalidInput as exc:
            _add_field_errors(form, exc)
        else:
            entry = result.entry
            assert entry is not None  # noqa: S101  (create returns the entry)
            _changed_message(
                request, _("Entry added: %(entry)s.") % {"entry": entry}, result.recomputed_total
            )
            url = _list_url(entry.date.year)
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    return _render_entry_form(request, form, status=422 if request.method == "POST" else 200)


@calendar_staff
@require_http_methods(["GET", "POST"])
def entry_edit(request: HtmxHttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.entry_get(entry_id)
    initial = {
        "date": entry.date,
        "kind": entry.kind,
        "name": entry.name,
        "source": entry.source,
        "region_code": entry.region_code,
    }
    form = EntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.entry_update(
                entry_id=entry.pk, acting_user=request.user, **form.cleaned_data
            )
        except InvalidInput as exc:
            _add_field_errors(form, exc)
        else:
            assert result.entry is not None  # noqa: S101  (update returns the entry)
            _changed_message(
                request,
                _("Entry saved: %(entry)s.") % {"entry": result.entry},
                result.recomputed_total,
            )
            return redirect(_list_url(result.entry.date.year))
    return _render_entry_form(
        request, form, entry=entry, status=422 if request.method == "POST" else 200
    )


@calendar_staff
@require_http_methods(["GET", "POST"])
def entry_delete(request: HtmxHttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.entry_get(entry_id)
    if request.method == "GET":
        return render(request, "workdays/entry_delete.html", {"entry": entry})
    year, label = entry.date.year, str(entry)
    result = services.entry_delete(entry_id=entry.pk, acting_user=request.user)
    _changed_message(
        request, _("Entry deleted: %(entry)s.") % {"entry": label}, result.recomputed_total
    )
    if request.htmx:
        return HttpResponse("")  # the row is swapped out
    return redirect(_list_url(year))


@calendar_staff
def export(request: HttpRequest) -> HttpResponse:
    year = _parse_year(request.GET.get("year"))
    scope_param = request.GET.get("scope", "all")
    scope = None if scope_param == "all" else ("" if scope_param == "national" else scope_param)
    fmt = "json" if request.GET.get("format") == "json" else "csv"
    rows = [e.snapshot() for e in selectors.entry_list(year=year, region_code=scope)]
    if fmt == "json":
        body, content_type = fileformat.to_json(rows), "application/json; charset=utf-8"
    else:
        body, content_type = fileformat.to_csv(rows), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    suffix = "" if scope is None else f"-{scope or 'national'}"
    response["Content-Disposition"] = f'attachment; filename="workdays-{year}{suffix}.{fmt}"'
    return response


@calendar_staff
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("confirm"):
        return _import_confirm(request)
    form = ImportForm(
        request.POST or None, request.FILES or None, initial={"year": request.GET.get("year")}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = fileformat.decode(upload.read())
            fmt = fileformat.detect_format(upload.name, text)
            plan = services.import_plan(
                text=text,
                fmt=fmt,
                year=form.cleaned_data["year"],
                replace=form.cleaned_data["replace"],
            )
        except fileformat.FileFormatError as exc:
            form.add_error("file", str(exc))
        except InvalidInput as exc:
            _add_field_errors(form, exc)
        else:
            confirm = ImportConfirmForm(
                initial={
                    "content": text,
                    "fmt": fmt,
                    "year": plan.year,
                    "replace": plan.replace,
                }
            )
            return render(
                request,
                "workdays/import_preview.html",
                {
                    "plan": plan,
                    "confirm": confirm,
                    "filename": upload.name,
                    "region_names": _region_names(),
                },
                status=200 if plan.ok else 422,
            )
    return render(
        request,
        "workdays/import.html",
        {"form": form},
        status=422 if request.method == "POST" else 200,
    )


def _import_confirm(request: HttpRequest) -> HttpResponse:
    confirm = ImportConfirmForm(request.POST)
    if not confirm.is_valid():
        messages.error(request, _("The import form was incomplete; upload the file again."))
        return redirect("workdays:import")
    data = confirm.cleaned_data
    try:
        result = services.entries_import(
            text=data["content"],
            fmt=data["fmt"],
            year=data["year"],
            replace=data["replace"],
            acting_user=request.user,
        )
    except InvalidInput as exc:
        plan = (
            services.import_plan(
                text=data["content"], fmt=data["fmt"], year=data["year"], replace=data["replace"]
            )
            if "file" in exc.extra.get("errors", {})
            else None
        )
        if plan is None:
            messages.error(request, str(exc.message))
            return redirect("workdays:import")
        return render(
            request,
            "workdays/import_preview.html",
            {"plan": plan, "confirm": confirm, "region_names": _region_names()},
            status=422,
        )
    _changed_message(
        request,
        _(
            "Imported: %(created)s added, %(updated)s changed, %(deleted)s deleted, %(unchanged)s unchanged."
        )
        % {
            "created": result.created,
            "updated": result.updated,
            "deleted": result.deleted,
            "unchanged": result.unchanged,
        },
        sum(result.recomputed.values()),
    )
    return redirect(_list_url(data["year"] or clock.today().year))


@calendar_staff
def audit(request: HttpRequest) -> HttpResponse:
    return render(request, "workdays/audit.html", {"records": selectors.audit_list(limit=300)})


@calendar_staff
def deadline(request: HttpRequest) -> HttpResponse:
    form = DeadlineForm(request.GET or None)
    explanation = None
    if request.GET and form.is_valid():
        try:
            explanation = explain_workdays(
                form.cleaned_data["start"],
                form.cleaned_data["n"],
                form.cleaned_data["region"] or None,
            )
        except InvalidInput as exc:
            _add_field_errors(form, exc)
    status = 422 if request.GET and not form.is_valid() else 200
    return render(
        request,
        "workdays/deadline.html",
        {
            "form": form,
            "explanation": explanation,
            "region_names": _region_names(),
            "EntryKind": EntryKind,
        },
        status=status,
    )
