"""Bureau review pages, the archive with SHA-256, permission-checked downloads, public list."""

from __future__ import annotations

import hashlib
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from haochaping.core.exceptions import ApplicationError, InvalidInput
from haochaping.reporting import selectors, services
from haochaping.reporting.enums import FileFormat, ReportKind, ReportState
from haochaping.reporting.labels import TABLE_TITLES, TITLES, column_label
from haochaping.reporting.pdf import format_cell


def report_page(view):
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return render(request, "reporting/error.html", {"error": exc}, status=exc.status)

    return wrapped


@report_page
def index(request: HttpRequest) -> HttpResponse:
    reports = selectors.report_list_for(request.user).prefetch_related("files")
    return render(
        request,
        "reporting/index.html",
        {
            "reports": reports[:200],
            "kinds": ReportKind.choices,
            "can_write": selectors.is_bureau(request.user),
        },
    )


@require_POST
@report_page
def generate(request: HttpRequest) -> HttpResponse:
    report = services.report_generate(
        kind=request.POST.get("kind", ""),
        period_key=request.POST.get("period", ""),
        acting_user=request.user,
    )
    return redirect("reports:detail", report.pk)


def tables_for_display(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "key": t["key"],
            "title": TABLE_TITLES.get(t["key"], t["key"]),
            "headers": [column_label(c["key"]) for c in t["columns"]],
            "rows": [
                [
                    format_cell(c["type"], v, c["key"])
                    for c, v in zip(t["columns"], row, strict=True)
                ]
                for row in t["rows"]
            ],
        }
        for t in data.get("tables", [])
    ]


@report_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.access_report(request.user, pk)
    return render(
        request,
        "reporting/detail.html",
        {
            "report": report,
            "title": TITLES[report.kind],
            "headline": [
                (column_label(f["key"]), format_cell(f["type"], f["value"]))
                for f in report.data.get("headline", [])
            ],
            "tables": tables_for_display(report.data),
            "files": report.files.defer("content"),
            "comments": report.comments.select_related("author"),
            "events": report.events.select_related("acting_user"),
            "versions": selectors.report_list_for(request.user)
            .filter(kind=report.kind, period_key=report.period_key)
            .order_by("version"),
            "can_write": selectors.is_bureau(request.user),
            "states": ReportState,
        },
    )


@require_POST
@report_page
def action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    user = request.user
    if name == "submit":
        report = services.report_submit(report_id=pk, acting_user=user)
    elif name == "return":
        report = services.report_return(report_id=pk, acting_user=user)
    elif name == "publish":
        report = services.report_publish(report_id=pk, acting_user=user)
    elif name == "correct":
        report = services.report_correct(
            report_id=pk, reason=request.POST.get("reason", ""), acting_user=user
        )
    elif name == "comment":
        services.report_comment_add(
            report_id=pk, text=request.POST.get("text", ""), acting_user=user
        )
        report = selectors.access_report(user, pk)
    elif name == "sections":
        report = services.report_sections_update(
            report_id=pk,
            problems_found=request.POST.get("problems_found", ""),
            typical_cases=request.POST.get("typical_cases", ""),
            acting_user=user,
        )
    else:
        raise InvalidInput(extra={"errors": {"action": ["?"]}})
    return redirect("reports:detail", report.pk)


def _file_response(content: bytes, sha256: str, content_type: str, filename: str) -> HttpResponse:
    if hashlib.sha256(content).hexdigest() != sha256:
        raise ApplicationError("archived file does not match its SHA-256")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-SHA256"] = sha256
    return response


@report_page
def download(request: HttpRequest, file_id: int) -> HttpResponse:
    f = selectors.access_report_file(request.user, file_id)
    return _file_response(bytes(f.content), f.sha256, f.content_type, f.filename)


@report_page
def preview(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """An unarchived rendering of any version for the bureau (marked DRAFT on open versions)."""
    if not selectors.is_bureau(request.user):
        from haochaping.core.exceptions import PermissionDenied

        raise PermissionDenied()
    report = selectors.access_report(request.user, pk)
    if fmt not in FileFormat.values:
        raise InvalidInput(extra={"errors": {"format": ["?"]}})
    content = services.render(report, fmt, draft=report.is_editable)
    response = HttpResponse(
        content,
        content_type="application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="preview-{report.kind}-{report.period_key}-v{report.version}.{fmt}"'
    )
    return response


# --- public site ---------------------------------------------------------------------------------


def public_list(request: HttpRequest) -> HttpResponse:
    from django.utils import translation

    lang = request.GET.get("lang")
    lang = lang if lang in ("bo", "zh-hans", "en") else "zh-hans"
    files = list(selectors.public_file_list())
    with translation.override(lang):
        response = render(
            request,
            "reporting/public/list.html",
            {
                "files": files,
                "title": TITLES[ReportKind.MONTHLY_BULLETIN],
                "path": request.path,
                "query": {},
                "LANGUAGE_CODE": lang,
            },
        )
    response["Content-Language"] = lang
    return response


def public_download(request: HttpRequest, file_id: int) -> HttpResponse:
    from django.http import Http404

    try:
        f = selectors.public_file_get(file_id)
    except ApplicationError:
        raise Http404() from None
    return _file_response(bytes(f.content), f.sha256, f.content_type, f.filename)
