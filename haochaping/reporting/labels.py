"""Labels of report columns, tables and titles (translated when rendered; data stays neutral).

Report headings are printed in Chinese and Tibetan together (``TITLES``): the bulletin is an
official bilingual document, whatever the reader's interface language.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from haochaping.ratings.enums import Level

COLUMN_LABELS: dict[str, Any] = {
    "region": pgettext_lazy("report", "County / district"),
    "unit": pgettext_lazy("report", "Unit"),
    "period": pgettext_lazy("report", "Period"),
    "ratings": pgettext_lazy("report", "Ratings"),
    "level_very_satisfied": Level.VERY_SATISFIED.label,
    "level_satisfied": Level.SATISFIED.label,
    "level_basic": Level.BASIC.label,
    "level_dissatisfied": Level.DISSATISFIED.label,
    "level_very_dissatisfied": Level.VERY_DISSATISFIED.label,
    "good_rate": pgettext_lazy("report", "Good-rating rate"),
    "satisfaction_rate": pgettext_lazy("report", "Satisfaction rate"),
    "not_bad_rate": pgettext_lazy("report", "Share of ratings that are not bad"),
    "bad": pgettext_lazy("report", "Bad reviews"),
    "bad_rate": pgettext_lazy("report", "Bad-rating rate"),
    "citizen_ratings": pgettext_lazy("report", "Citizen-initiated ratings"),
    "citizen_good_rate": pgettext_lazy("report", "Citizen-initiated good-rating rate"),
    "staff_entered_share": pgettext_lazy("report", "Share entered by staff"),
    "follow_ups": pgettext_lazy("report", "Follow-up ratings"),
    "completed": pgettext_lazy("report", "Cases completed"),
    "rating_rate": pgettext_lazy("report", "Rating rate"),
    "unrated_rate": pgettext_lazy("report", "Unrated rate"),
    "citizen_rating_rate": pgettext_lazy("report", "Citizen-initiated rating rate"),
    "online_unrated": pgettext_lazy("report", "Online cases not rated"),
    "received": pgettext_lazy("report", "Bad reviews received"),
    "reply_rate": pgettext_lazy("report", "Bad-review reply rate"),
    "rectification_rate": pgettext_lazy("report", "Rectification rate"),
    "callback_rate": pgettext_lazy("report", "Callback rate"),
    "callback_satisfaction": pgettext_lazy("report", "Callback satisfaction"),
    "contact_on_time": pgettext_lazy("report", "On time: contact"),
    "feedback_on_time": pgettext_lazy("report", "On time: feedback"),
    "close_on_time": pgettext_lazy("report", "On time: close"),
    "closed": pgettext_lazy("report", "Closed"),
    "open": pgettext_lazy("report", "Open now"),
    "overdue": pgettext_lazy("report", "Overdue now"),
    "code": pgettext_lazy("report", "Code"),
    "reason": pgettext_lazy("report", "Reason"),
    "level": pgettext_lazy("report", "Level"),
    "times_chosen": pgettext_lazy("report", "Times chosen"),
    "case_no": pgettext_lazy("report", "Case number"),
    "item": pgettext_lazy("report", "Service item"),
    "reasons": pgettext_lazy("report", "Reason codes"),
    "evaluator": pgettext_lazy("report", "Evaluator"),
    "mobile": pgettext_lazy("report", "Mobile"),
    "opened_at": pgettext_lazy("report", "Opened at"),
    "status": pgettext_lazy("report", "Status"),
    "contacted_at": pgettext_lazy("report", "Contacted at"),
    "closed_at": pgettext_lazy("report", "Closed at"),
    "score": pgettext_lazy("report", "Assessment score"),
}

TABLE_TITLES: dict[str, Any] = {
    "summary": pgettext_lazy("report", "Summary"),
    "regions": pgettext_lazy("report", "By county and district"),
    "units": pgettext_lazy("report", "By unit"),
    "bad_review_handling": pgettext_lazy("report", "Bad reviews and their rectification"),
    "top_reasons": pgettext_lazy("report", "Reasons of bad reviews"),
    "bad_reviews": pgettext_lazy("report", "Bad reviews of the month"),
    "trend": pgettext_lazy("report", "By month"),
    "assessment": pgettext_lazy("report", "Annual assessment by unit"),
}

# (Chinese, Tibetan) headings printed on every rendering of the kind
TITLES: dict[str, tuple[str, str]] = {
    "monthly_bulletin": (
        "拉萨市政务服务“好差评”月度通报",
        "ལྷ་ས་གྲོང་ཁྱེར་གྱི་གཞུང་ལས་ཞབས་ཞུའི་“ཡག་ཉེས་བསམ་འཆར་”ཟླ་རེའི་གསལ་བསྒྲགས།",
    ),
    "monthly_bad_reviews": (
        "拉萨市政务服务差评及整改情况月报",
        "ལྷ་ས་གྲོང་ཁྱེར་གྱི་གཞུང་ལས་ཞབས་ཞུའི་བསམ་འཆར་ངན་པ་དང་ལེགས་བཅོས་ཟླ་རེའི་སྙན་ཞུ།",
    ),
    "quarterly": (
        "拉萨市政务服务“好差评”季度报告",
        "ལྷ་ས་གྲོང་ཁྱེར་གྱི་གཞུང་ལས་ཞབས་ཞུའི་“ཡག་ཉེས་བསམ་འཆར་”དུས་ཚིགས་རེའི་སྙན་ཞུ།",
    ),
    "annual": (
        "拉萨市政务服务“好差评”年度考核表",
        "ལྷ་ས་གྲོང་ཁྱེར་གྱི་གཞུང་ལས་ཞབས་ཞུའི་“ཡག་ཉེས་བསམ་འཆར་”ལོ་རེའི་ཞིབ་བཤེར་རེའུ་མིག",
    ),
}

SECTION_TITLES = {
    "problems_found": ("发现的问题", "རྙེད་པའི་གནད་དོན།"),
    "typical_cases": ("典型案例", "དཔེ་མཚོན་རང་བཞིན་གྱི་གནད་དོན།"),
}

DEFINITIONS = _(
    "Definitions: a rating is a valid first rating (ratings not adopted after review are "
    "excluded); good-rating rate = (very satisfied + satisfied) / ratings; satisfaction rate = "
    "levels 3–5 / ratings; bad-rating rate = (dissatisfied + very dissatisfied) / ratings; "
    "citizen-initiated good-rating rate leaves system defaults, staff entry and paper forms out; "
    "rating rate = completed cases with a valid rating / completed cases; reply rate = bad "
    "reviews whose citizen was contacted within 1 working day / bad reviews received; "
    "rectification rate = bad reviews closed / received; callback satisfaction = fixes rated "
    "satisfied or basically satisfied / fixes rated. A rate without a denominator is shown as —."
)

FORMULA = _(
    "Assessment score = 100 × Σ weight × rate / Σ weight, over the components with data "
    "(a unit without bad reviews has no reply, rectification or callback rate: those weights "
    "are left out and the others renormalised). Rates are the plain rates in this table."
)


def column_label(key: str) -> str:
    return str(COLUMN_LABELS.get(key, key))


def display_text(column: str, value: Any) -> str:
    """Codes stored in text cells (level, status) shown as their labels."""
    if column == "level" and value in Level.values:
        return str(Level(value).label)
    if column == "status" and value:
        from haochaping.rectification.enums import Status

        if value in Status.values:
            return str(Status(value).label)
    return "" if value is None else str(value)
