"""Staff pages under /coverage/ and the public comment form under /comment/.

Views parse input, fetch through the ``accounts.access`` helpers, call one service and render.
Refusals are pages with the right status: 403 wrong role, 404 unknown or out of scope,
409 not allowed in the current state. Bad input on a staff form: back to the page (303-style
redirect) with the messages; the public form answers 422 with the form and its messages, 429
when the address sent too many.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from haochaping.accounts.access import (
    access_comment,
    access_sample,
    access_supplementary_task,
    access_visit,
    require_role,
    unit_list_for,
)
from haochaping.catalog.models import ServiceItem
from haochaping.core.clock import LOCAL_TZ, today
from haochaping.core.exceptions import ApplicationError, InvalidInput, NotFound
from haochaping.coverage import public_form, selectors, services
from haochaping.coverage.enums import (
    Answer,
    AttemptKind,
    CommentSource,
    CommentStatus,
    InterviewOutcome,
    SampleKind,
    Sentiment,
    Stratum,
    SubjectKind,
    TaskStatus,
    Topic,
)
from haochaping.coverage.models import Comment, SampleEntry
from haochaping.org.models import Hall, Unit
from haochaping.ratings.enums import Level


def _error_page(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(request, "coverage/error.html", {"error": exc}, status=exc.status)


def staff_page(view):
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
            return _error_page(request, exc)

    return wrapped


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _datetime(value: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=LOCAL_TZ) if value else None
    except ValueError:
        return None


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    until = _date(request.GET.get("until"), today())
    return _date(request.GET.get("since"), until - dt.timedelta(days=29)), until


def _scoped_unit(user: Any, value: Any) -> Unit | None:
    pk = _int(value)
    return unit_list_for(user).filter(pk=pk).first() if pk else None


def _item(value: str | None) -> ServiceItem | None:
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        found = ServiceItem.objects.filter(pk=int(value)).first()
        if found:
            return found
    return (
        ServiceItem.objects.filter(task_code=value).first()
        or ServiceItem.objects.filter(name=value, active=True).order_by("pk").first()
    )


# --- the overview (main page) --------------------------------------------------------------------


@staff_page
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *services.TASK_READERS)
    since, until = _period(request)
    rows = selectors.online_rating_rate(request.user, since=since, until=until)
    return render(
        request,
        "coverage/index.html",
        {
            "since": since,
            "until": until,
            "rows": rows,
            "total": selectors.online_rating_rate_total(rows),
            "completion": selectors.supplementary_completion(
                request.user, since=since, until=until
            ),
            "open_tasks": selectors.task_list(request.user, status="open").count(),
            "comments": selectors.comment_counts(request.user, since=since, until=until),
        },
    )


# --- supplementary tasks -------------------------------------------------------------------------


@staff_page
@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *services.TASK_READERS)
    status = request.GET.get("status", "open")
    rows = list(
        selectors.task_list(
            request.user,
            status=status,
            unit_id=_int(request.GET.get("unit")),
            overdue=request.GET.get("overdue") == "1",
        )[:500]
    )
    return render(
        request,
        "coverage/tasks.html",
        {"rows": rows, "status": status, "statuses": TaskStatus.choices, "now": services.now()},
    )


@staff_page
@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, task_id: int) -> HttpResponse:
    t = access_supplementary_task(request.user, task_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "sms":
            services.task_sms_send(
                task_id=t.pk,
                acting_user=request.user,
                language=request.POST.get("language", ""),
                request=request,
            )
            messages.success(request, _("The rating link was sent by SMS."))
        elif action == "phone":
            services.task_phone_answer_record(
                task_id=t.pk,
                level=request.POST.get("level", ""),
                acting_user=request.user,
                option_codes=request.POST.getlist("option_codes"),
                text=request.POST.get("text", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("The citizen's phone answer was recorded."))
        elif action in (AttemptKind.PHONE_NOT_REACHED, AttemptKind.DECLINED):
            services.task_attempt_record(
                task_id=t.pk,
                kind=action,
                acting_user=request.user,
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("The contact attempt was recorded."))
        else:
            raise NotFound()
        return redirect("coverage:task", task_id=t.pk)
    return render(
        request,
        "coverage/task.html",
        {
            "t": t,
            "attempts": t.attempts.select_related("acting_user"),
            "timeline": selectors.timeline("task", t.pk),
            "levels": Level.choices,
            "may_work": request.user.is_superuser or request.user.role in services.TASK_WORKERS,
            "now": services.now(),
        },
    )


# --- 综合点评 (staff) --------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def comments(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *services.COMMENT_READERS)
    if request.method == "POST":
        p = request.POST
        c = services.comment_register(
            source=p.get("source", ""),
            subject_kind=p.get("subject_kind", ""),
            text=p.get("text", ""),
            acting_user=request.user,
            unit=_scoped_unit(request.user, p.get("unit")),
            hall=Hall.objects.filter(pk=_int(p.get("hall")) or 0).first(),
            item=_item(p.get("item")),
            received_at=_datetime(p.get("received_at")),
            source_ref=p.get("source_ref", ""),
            submitter_name=p.get("submitter_name", ""),
            submitter_mobile=p.get("submitter_mobile", ""),
            submitter_email=p.get("submitter_email", ""),
            language="zh-hans",
        )
        messages.success(request, _("Comment %(ref)s registered.") % {"ref": c.reference})
        return redirect("coverage:comment", comment_id=c.pk)
    rows = list(
        selectors.comment_list(
            request.user, status=request.GET.get("status", ""), source=request.GET.get("source", "")
        )[:300]
    )
    return render(
        request,
        "coverage/comments.html",
        {
            "rows": rows,
            "statuses": CommentStatus.choices,
            "sources": CommentSource.choices,
            "subjects": SubjectKind.choices,
            "units": unit_list_for(request.user).order_by("name"),
            "halls": Hall.objects.order_by("name"),
            "may_register": request.user.is_superuser
            or request.user.role in services.COMMENT_CLERKS,
            "status": request.GET.get("status", ""),
        },
    )


@staff_page
@require_http_methods(["GET", "POST"])
def comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    c = access_comment(request.user, comment_id)
    if request.method == "POST":
        c = services.comment_classify(
            comment_id=c.pk,
            sentiment=request.POST.get("sentiment", ""),
            topic=request.POST.get("topic", ""),
            level=request.POST.get("level", ""),
            note=request.POST.get("note", ""),
            acting_user=request.user,
        )
        messages.success(
            request, _("Comment classified: %(status)s") % {"status": c.get_status_display()}
        )
        return redirect("coverage:comment", comment_id=c.pk)
    rectification = None
    if c.rating_id:
        from haochaping.rectification.models import Rectification

        rectification = Rectification.objects.filter(rating_id=c.rating_id).first()
    return render(
        request,
        "coverage/comment.html",
        {
            "c": c,
            "rectification": rectification,
            "sentiments": Sentiment.choices,
            "topics": Topic.choices,
            "bad_levels": [lv for lv in Level.choices if lv[0] in Level.bad_levels()],
            "timeline": selectors.timeline("comment", c.pk),
            "may_classify": c.status == CommentStatus.NEW
            and (request.user.is_superuser or request.user.role in services.COMMENT_CLERKS),
        },
    )


# --- 监督检查评 ------------------------------------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def samples(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *services.SUPERVISION_READERS)
    if request.method == "POST":
        p = request.POST
        until = _date(p.get("until"), today())
        s = services.sample_draw(
            kind=p.get("kind", ""),
            name=p.get("name", ""),
            strata=p.getlist("strata"),
            per_stratum=_int(p.get("per_stratum")) or 0,
            since=_date(p.get("since"), until - dt.timedelta(days=29)),
            until=until,
            seed=_int(p.get("seed")),
            unit=_scoped_unit(request.user, p.get("unit")),
            item_ids=[i for i in (_int(x) for x in p.get("item_ids", "").split(",")) if i],
            exclude_days=_int(p.get("exclude_days")),
            note=p.get("note", ""),
            acting_user=request.user,
        )
        messages.success(request, _("Sample drawn with seed %(seed)s.") % {"seed": s.seed})
        return redirect("coverage:sample", sample_id=s.pk)
    return render(
        request,
        "coverage/samples.html",
        {
            "rows": selectors.sample_list(request.user)[:200],
            "kinds": SampleKind.choices,
            "strata": Stratum.choices,
            "units": unit_list_for(request.user).order_by("name"),
            "today": today(),
            "month_ago": today() - dt.timedelta(days=29),
            "may_draw": request.user.is_superuser or request.user.role in services.SUPERVISION,
            "mismatches": selectors.interview_mismatches(request.user)[:20],
        },
    )


@staff_page
@require_http_methods(["GET", "POST"])
def sample(request: HttpRequest, sample_id: int) -> HttpResponse:
    s = access_sample(request.user, sample_id)
    if request.method == "POST":
        entry = SampleEntry.objects.filter(
            sample=s, pk=_int(request.POST.get("entry")) or 0
        ).first()
        if entry is None:
            raise NotFound()
        p = request.POST
        i = services.interview_record(
            entry_id=entry.pk,
            outcome=p.get("outcome", ""),
            acting_user=request.user,
            confirms_rating=p.get("confirms_rating", ""),
            stated_level=p.get("stated_level", ""),
            entered_by_staff=p.get("entered_by_staff", ""),
            pressured=p.get("pressured", ""),
            note=p.get("note", ""),
        )
        if i.mismatch:
            messages.warning(request, _("Interview recorded: the answers do not match the rating."))
        else:
            messages.success(request, _("Interview recorded."))
        return redirect("coverage:sample", sample_id=s.pk)
    return render(
        request,
        "coverage/sample.html",
        {
            "s": s,
            "entries": selectors.sample_entries(request.user, s),
            "outcomes": InterviewOutcome.choices,
            "answers": Answer.choices,
            "levels": Level.choices,
            "may_interview": request.user.is_superuser or request.user.role in services.SUPERVISION,
            "reproduces": services.sample_reproduces(s) if request.GET.get("verify") else None,
        },
    )


@staff_page
@require_http_methods(["GET", "POST"])
def visits(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *services.SUPERVISION_READERS)
    if request.method == "POST":
        p = request.POST
        v = services.visit_record(
            unit=_scoped_unit(request.user, p.get("unit")),
            visited_at=_datetime(p.get("visited_at")),
            scenario=p.get("scenario", ""),
            findings=p.get("findings", ""),
            level=p.get("level", ""),
            problems_found=p.get("problems_found") == "1",
            hall=Hall.objects.filter(pk=_int(p.get("hall")) or 0).first(),
            item=_item(p.get("item")),
            entry_id=_int(p.get("entry")),
            acting_user=request.user,
        )
        messages.success(request, _("Mystery visit recorded."))
        return redirect("coverage:visit", visit_id=v.pk)
    return render(
        request,
        "coverage/visits.html",
        {
            "rows": selectors.visit_list(request.user)[:200],
            "levels": Level.choices,
            "units": unit_list_for(request.user).order_by("name"),
            "halls": Hall.objects.order_by("name"),
            "entry": request.GET.get("entry", ""),
            "may_record": request.user.is_superuser or request.user.role in services.SUPERVISION,
        },
    )


@staff_page
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, visit_id: int) -> HttpResponse:
    v = access_visit(request.user, visit_id)
    if request.method == "POST":
        p = request.POST
        if p.get("action") == "done":
            services.follow_up_done(
                action_id=_int(p.get("follow_up")) or 0,
                note=p.get("note", ""),
                acting_user=request.user,
            )
            messages.success(request, _("Follow-up action marked done."))
        else:
            services.follow_up_add(
                visit_id=v.pk,
                description=p.get("description", ""),
                unit=_scoped_unit(request.user, p.get("unit")),
                due_date=_date(p.get("due_date"), dt.date.min) if p.get("due_date") else None,
                acting_user=request.user,
            )
            messages.success(request, _("Follow-up action added."))
        return redirect("coverage:visit", visit_id=v.pk)
    return render(
        request,
        "coverage/visit.html",
        {
            "v": v,
            "actions": v.actions.select_related("unit"),
            "units": unit_list_for(request.user).order_by("name"),
            "timeline": selectors.timeline("visit", v.pk),
            "may_act": request.user.is_superuser or request.user.role in services.SUPERVISION,
        },
    )


# --- the public comment form -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def public_comment(request: HttpRequest) -> HttpResponse:
    """No login. CSRF token, honeypot, signed time stamp, per-address rate limit."""
    lang = request.GET.get("lang", "")
    if lang in {code for code, _name in settings.LANGUAGES}:
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
    response = _public_comment(request)
    if lang in {code for code, _name in settings.LANGUAGES}:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, samesite="Lax")
    return response


def _public_comment(request: HttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    data = request.POST if request.method == "POST" else {}
    status = 200
    if request.method == "POST":
        try:
            public_form.form_check(
                stamp=data.get("stamp", ""), honeypot=data.get(public_form.HONEYPOT, "")
            )
            c = services.comment_submit_public(
                client_hash=public_form.client_hash(request),
                subject_kind=data.get("subject_kind", ""),
                unit=Unit.objects.filter(pk=_int(data.get("unit")) or 0, active=True).first(),
                hall=Hall.objects.filter(pk=_int(data.get("hall")) or 0).first(),
                item=_item(data.get("item")),
                text=data.get("text", ""),
                submitter_name=data.get("name", ""),
                submitter_mobile=data.get("mobile", ""),
                submitter_email=data.get("email", ""),
                language=getattr(request, "LANGUAGE_CODE", ""),
            )
            return redirect("coverage_public:thanks", reference=c.reference)
        except InvalidInput as exc:
            errors = exc.extra.get("errors", {})
            status = 422
        except services.TooManyComments as exc:
            errors = {"__all__": [str(exc.message)]}
            status = 429
    return render(
        request,
        "coverage/public_comment.html",
        {
            "data": data,
            "errors": errors,
            "stamp": public_form.form_stamp(),
            "honeypot": public_form.HONEYPOT,
            "subjects": SubjectKind.choices,
            "units": Unit.objects.filter(active=True).order_by("region__code", "name"),
            "halls": Hall.objects.order_by("region__code", "name"),
        },
        status=status,
    )


@require_GET
def public_thanks(request: HttpRequest, reference: str) -> HttpResponse:
    if not Comment.objects.filter(reference=reference).exists():
        return render(request, "coverage/public_thanks.html", {"reference": None}, status=404)
    return render(request, "coverage/public_thanks.html", {"reference": reference})
