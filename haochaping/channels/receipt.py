"""The printable receipt snippet: the QR code with instructions in Chinese and Tibetan."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from haochaping.channels.models import RatingLink
from haochaping.channels.qr import qr_svg
from haochaping.core.clock import LOCAL_TZ


def _lines(link: RatingLink) -> list[dict[str, str]]:
    lines = []
    for lang, html_lang in (("zh-hans", "zh-Hans"), ("bo", "bo")):
        with translation.override(lang):
            lines.append(
                {
                    "lang": html_lang,
                    "title": _("Scan to rate our service"),
                    "detail": _("Case %(no)s · valid until %(date)s · one rating")
                    % {
                        "no": link.case.project_no,
                        "date": link.expires_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d"),
                    },
                }
            )
    return lines


def receipt_snippet(link: RatingLink, url: str) -> str:
    return render_to_string(
        "channels/_receipt_snippet.html",
        {"lines": _lines(link), "url": url, "qr": qr_svg(url, scale=3, title="QR")},
    )
