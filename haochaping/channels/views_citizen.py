"""Citizen pages under /r/: the rating page of a link, used/expired pages, the receipt view.

No login, no JavaScript needed, no cookies needed. The link token in the URL is the
capability (128 random bits, single use), so the rating form is CSRF-exempt: a forged POST
would need the token, and the page must work framed in a portal where third-party cookies
(and so Django's CSRF cookie) are blocked.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from haochaping.channels.content import level_choices, level_label, option_label, stage_label
from haochaping.channels.embedding import embeddable
from haochaping.channels.enums import EntryKind, LinkState
from haochaping.channels.exceptions import LinkExpired, LinkUsed
from haochaping.channels.selectors import link_get, staff_entry_for_rating
from haochaping.channels.services import rating_link_submit, return_url_allowed
from haochaping.core.clock import now
from haochaping.core.exceptions import InvalidInput, NotFound
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.exceptions import AlreadyRated
from haochaping.ratings.models import ReasonOption
from haochaping.ratings.selectors import content_version_current, rating_get_by_receipt

LANGS = [code for code, _name in settings.LANGUAGES]
LANG_NAMES = {"zh-hans": "中文", "bo": "བོད་ཡིག", "en": "English"}


def _language(request: HttpRequest) -> str | None:
    """``?lang=`` overrides the browser's language for this page (links work without JS)."""
    lang = request.GET.get("lang", "")
    if lang in LANGS:
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        return lang
    return None


def _switcher(request: HttpRequest) -> list[dict]:
    current = translation.get_language()
    items = []
    for code in ("bo", "zh-hans", "en"):
        query = request.GET.copy()
        query["lang"] = code
        items.append(
            {
                "code": code,
                "name": LANG_NAMES[code],
                "url": f"{request.path}?{query.urlencode()}",
                "current": code == current,
            }
        )
    return items


def _page(request: HttpRequest, template: str, context: dict, *, status: int = 200):
    lang = _language(request)
    context = {
        "languages": _switcher(request),
        "site_name": _("Government service good/bad review"),
        **context,
    }
    response = render(request, template, context, status=status)
    if lang:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, lang, max_age=365 * 24 * 3600, samesite="Lax"
        )
    response["Cache-Control"] = "no-store"
    return response


def _with_receipt(url: str, receipt: str) -> str:
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode({"hcpReceipt": receipt})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@embeddable
def start(request: HttpRequest) -> HttpResponse:
    """Where the tablet's idle QR leads: how to rate, and the receipt look-up."""
    return _page(request, "channels/citizen_start.html", {})


@csrf_exempt
@embeddable
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    _language(request)
    link = link_get(token)
    if link is None:
        return _page(request, "channels/citizen_link_invalid.html", {}, status=404)
    state = link.state(now())
    if state == LinkState.USED:
        return _page(request, "channels/citizen_link_used.html", {"link": link}, status=410)
    if state == LinkState.EXPIRED:
        return _page(request, "channels/citizen_link_expired.html", {"link": link}, status=410)
    return_url = request.POST.get("return") or request.GET.get("return") or link.return_url
    if return_url and not return_url_allowed(return_url, request):
        return_url = ""
    version = content_version_current()
    levels = level_choices(version)
    errors: dict[str, list[str]] = {}
    chosen_level = request.POST.get("level", "")
    chosen_options = request.POST.getlist("option")
    text = request.POST.get("text", "")
    if request.method == "POST":
        if chosen_level not in Level.values:
            errors["level"] = [_("Choose how satisfied you are.")]
        else:
            # Boxes of other levels may still be ticked (hidden by CSS): keep the chosen level's.
            own = {o.code for lv in levels if lv.value == chosen_level for o in lv.options}
            codes = [c for c in chosen_options if c in own]
            try:
                result = rating_link_submit(
                    token=token,
                    level=chosen_level,
                    option_codes=codes,
                    text=text.strip(),
                    language=translation.get_language() or "",
                )
            except InvalidInput as exc:
                errors = {k: [str(m) for m in v] for k, v in exc.extra.get("errors", {}).items()}
            except (LinkUsed, LinkExpired, NotFound):
                return HttpResponseRedirect(request.get_full_path())
            except AlreadyRated:
                return _page(
                    request, "channels/citizen_already_rated.html", {"link": link}, status=409
                )
            else:
                receipt = result.rating.receipt
                if return_url:
                    return HttpResponseRedirect(_with_receipt(return_url, receipt), status=303)
                target = reverse("channels:receipt", args=[receipt])
                query = {"thanks": "1", "lang": translation.get_language()}
                return HttpResponseRedirect(f"{target}?{urlencode(query)}", status=303)
    field_for = {"level": "level-first", "option_codes": "reasons", "text": "id_text"}
    error_list = [
        {"anchor": field_for.get(field, "level-first"), "message": message}
        for field, messages in errors.items()
        for message in messages
    ]
    context = {
        "link": link,
        "case": link.case,
        "item_name": link.case.item.name,
        "unit_name": link.case.unit.name_bo
        if translation.get_language() == "bo" and link.case.unit.name_bo
        else link.case.unit.name,
        "stage_label": stage_label(link.stage),
        "follow_up": link.assess_number == 2,
        "levels": levels,
        "chosen_level": chosen_level,
        "chosen_options": set(chosen_options),
        "text": text,
        "text_max": 150,
        "errors": error_list,
        "level_errors": errors.get("level", []),
        "return_url": return_url,
        "action": request.get_full_path(),
    }
    return _page(request, "channels/citizen_rate.html", context, status=422 if errors else 200)


ORIGIN_NOTE = {
    EntryKind.PHONE: lambda e: _("Recorded by a 12345 / phone operator from your answer."),
    EntryKind.PAPER: lambda e: (
        _("Keyed in by staff from paper form no. %(ref)s.") % {"ref": e.paper_ref}
    ),
}


def _rating_view(rating) -> dict:
    options = {
        o.code: o
        for o in ReasonOption.objects.filter(
            version_id=rating.content_version_id, code__in=rating.option_codes
        )
    }
    entry = staff_entry_for_rating(rating.pk) if rating.is_staff_entered else None
    return {
        "rating": rating,
        "level_label": level_label(rating.level),
        "reasons": [
            {"code": c, "label": option_label(options[c]) if c in options else c}
            for c in rating.option_codes
        ],
        "channel_label": Channel(rating.channel).label,
        "stage_label": stage_label(rating.stage),
        "origin_note": ORIGIN_NOTE[EntryKind(entry.kind)](entry) if entry else "",
        "follow_up": rating.assess_number == 2,
    }


@embeddable
def receipt(request: HttpRequest, code: str = "") -> HttpResponse:
    """The citizen's own view of a rating, by the receipt code (and its follow-up, if any)."""
    code = (code or request.GET.get("code", "")).strip().upper()
    context: dict = {"code": code, "thanks": request.GET.get("thanks") == "1"}
    status = 200
    if code:
        rating = rating_get_by_receipt(receipt=code)
        if rating is None:
            context["not_found"] = True
            status = 404
        else:
            context.update(_rating_view(rating))
            if rating.case_id is not None:
                others = (
                    type(rating)
                    .objects.filter(case_id=rating.case_id, stage=rating.stage)
                    .exclude(pk=rating.pk)
                    .select_related("content_version")
                    .order_by("assess_number")
                )
                context["related"] = [_rating_view(r) for r in others]
    return _page(request, "channels/citizen_receipt.html", context, status=status)
