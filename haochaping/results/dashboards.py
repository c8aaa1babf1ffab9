"""What the dashboard and public pages show, assembled from metrics (a fixed number of queries).

Each function takes the units in scope (a queryset, or None for all) and a period, and returns a
plain dict for templates, JSON and CSV; charts come from :mod:`charts` with their data tables.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from haochaping.org.models import Unit
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.models import ReasonOption
from haochaping.results import metrics as m
from haochaping.results.charts import bar_chart, line_chart
from haochaping.results.enums import Dimension, Grain
from haochaping.results.periods import Period, last_periods

TREND_LENGTH = {Grain.DAY: 30, Grain.WEEK: 12, Grain.MONTH: 12, Grain.QUARTER: 8, Grain.YEAR: 5}


def headline(
    t: m.RatingTally,
    c: m.CaseTally | None = None,
    r: m.RectTally | None = None,
    cm: m.CommentTally | None = None,
) -> dict[str, Any]:
    """The named figures of one cell, each a Ratio or a count (templates show ``.percent``).

    Case figures (ratings, rates, bad reviews) leave 综合点评 out; ``cm`` adds their own figures.
    """
    out: dict[str, Any] = {
        "ratings": m.rating_count(t),
        "citizen_ratings": m.citizen_rating_count(t),
        "follow_ups": m.follow_up_count(t),
        "good_rate": m.good_rate(t),
        "satisfaction_rate": m.satisfaction_rate(t),
        "citizen_good_rate": m.citizen_good_rate(t),
        "bad_rate": m.bad_rate(t),
        "bad": m.bad_rate(t).num,
        "staff_entered_share": m.origin_share(t, "staff"),
        "paper_share": m.origin_share(t, "paper"),
        "default_share": m.origin_share(t, "default"),
    }
    if c is not None:
        out.update(
            completed=c.completed,
            rating_rate=m.rating_rate(c),
            unrated_rate=m.unrated_rate(c),
            citizen_rating_rate=m.citizen_rating_rate(c),
            online_unrated=m.online_unrated_count(c),
        )
    if r is not None:
        out.update(
            received=r.received,
            reply_rate=m.reply_rate(r),
            rectification_rate=m.rectification_rate(r),
            callback_rate=m.callback_rate(r),
            callback_satisfaction=m.callback_satisfaction(r),
            contact_on_time=m.on_time_rate(r, "contact"),
            feedback_on_time=m.on_time_rate(r, "feedback"),
            close_on_time=m.on_time_rate(r, "close"),
            closed=r.closed,
        )
    if cm is not None:
        out.update(
            comments_received=cm.received,
            comments_negative=cm.negative,
            comments_routed=cm.routed,
            comments_rectified=cm.rectified,
            comment_rectified_rate=m.comment_rectified_rate(cm),
        )
    return out


def _trend(units: QuerySet[Unit] | None, period: Period) -> tuple[list[Period], dict]:
    periods = last_periods(period.grain, period, TREND_LENGTH[Grain(period.grain)])
    span = Period(period.grain, periods[0].start, periods[-1].end)
    tallies = m.rating_tallies(period=span, units=units, grain=period.grain)
    return periods, tallies


def trend_chart(units: QuerySet[Unit] | None, period: Period) -> Any:
    periods, tallies = _trend(units, period)
    empty = m.RatingTally()
    totals = [m.rating_count(tallies.get((p.start, None), empty)) for p in periods]
    bads = [m.bad_rate(tallies.get((p.start, None), empty)).num for p in periods]
    return line_chart(
        title=_("Rating volume"),
        desc=_("Valid first ratings and bad reviews per period, oldest first."),
        x_labels=[p.key for p in periods],
        series=[(_("Ratings"), totals), (_("Bad reviews"), bads)],
        headers_x=_("Period"),
    )


def level_chart(t: m.RatingTally) -> Any:
    levels = m.LEVELS
    return bar_chart(
        title=_("Ratings by level"),
        desc=_("Number of valid first ratings of each level, with its share."),
        labels=[str(Level(lv).label) for lv in levels],
        values=[t.levels[lv] for lv in levels],
        value_labels=[f"{t.levels[lv]} ({m.level_share(t, lv).percent})" for lv in levels],
        headers=(_("Level"), _("Ratings (share)")),
    )


def channel_chart(by_channel: dict[str, m.RatingTally]) -> Any:
    total = sum(m.rating_count(t) for t in by_channel.values())
    codes = [c for c in Channel.values if c in by_channel]
    return bar_chart(
        title=_("Channel mix"),
        desc=_("Valid first ratings per channel."),
        labels=[str(Channel(c).label) for c in codes],
        values=[m.rating_count(by_channel[c]) for c in codes],
        value_labels=[
            f"{m.rating_count(by_channel[c])} ({m.Ratio(m.rating_count(by_channel[c]), total).percent})"
            for c in codes
        ],
        headers=(_("Channel"), _("Ratings (share)")),
        color="#00727a",
    )


def reason_labels(codes: list[str]) -> dict[str, str]:
    rows = ReasonOption.objects.filter(code__in=codes).order_by("version__is_current")
    return dict(rows.values_list("code", "label"))  # the current version's label wins


def units_by_bad_rate(
    by_unit: dict[Any, m.RatingTally], names: dict[int, str], limit: int = 10
) -> list[dict[str, Any]]:
    rows = [
        {
            "unit_id": k,
            "name": names.get(k, str(k)),
            "ratings": m.rating_count(t),
            "bad": m.bad_rate(t).num,
            "bad_rate": m.bad_rate(t),
        }
        for k, t in by_unit.items()
        if m.rating_count(t)
    ]
    rows.sort(key=lambda r: (-(r["bad_rate"].value or 0), -r["bad"], r["name"]))
    return rows[:limit]


def overview(*, units: QuerySet[Unit] | None, period: Period) -> dict[str, Any]:
    """The city / county / unit overview of ``period`` (about ten queries, none per rating)."""
    tally = m.rating_tallies(period=period, units=units).get(None, m.RatingTally())
    cases = m.case_tallies(period=period, units=units).get(None, m.CaseTally())
    rects = m.rect_tallies(period=period, units=units).get(None, m.RectTally())
    comments = m.comment_tallies(period=period, units=units).get(None, m.CommentTally())
    open_now = m.open_bad_reviews(units=units)
    by_channel = m.rating_tallies(period=period, units=units, by=Dimension.CHANNEL)
    by_unit = m.rating_tallies(period=period, units=units, by=Dimension.UNIT)
    names = dict(Unit.objects.filter(pk__in=list(by_unit)).values_list("pk", "name"))
    reasons = m.top_reasons(period=period, units=units)
    labels = reason_labels([code for code, _lv, _n in reasons]) if reasons else {}
    return {
        "figures": headline(tally, cases, rects, comments),
        "open_bad_reviews": open_now.open,
        "overdue_bad_reviews": open_now.overdue,
        "trend": trend_chart(units, period),
        "levels": level_chart(tally),
        "channels": channel_chart(by_channel),
        "units_by_bad_rate": units_by_bad_rate(by_unit, names),
        "top_reasons": [
            {"code": code, "label": labels.get(code, ""), "level": Level(lv).label, "count": n}
            for code, lv, n in reasons
        ],
    }


def breakdown(
    *, units: QuerySet[Unit] | None, period: Period, by: Dimension
) -> list[dict[str, Any]]:
    """Headline figures per item / staff / window of the units (for the unit view)."""
    from haochaping.catalog.models import ServiceItem
    from haochaping.org.models import Staff, Window

    tallies = m.rating_tallies(period=period, units=units, by=by)
    keys = [k for k in tallies if k]
    if by == Dimension.ITEM:
        names = dict(ServiceItem.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif by == Dimension.STAFF:
        names = {
            pk: f"{n} ({no})"
            for pk, n, no in Staff.objects.filter(pk__in=keys).values_list("pk", "name", "staff_no")
        }
    elif by == Dimension.WINDOW:
        names = {
            pk: f"{h} {no}"
            for pk, h, no in Window.objects.filter(pk__in=keys).values_list(
                "pk", "hall__name", "number"
            )
        }
    else:
        raise ValueError(by)
    none_label = _("(none)")
    rows = [
        {"key": k, "name": names.get(k, none_label) if k else none_label, **headline(t)}
        for k, t in tallies.items()
    ]
    rows.sort(key=lambda r: (-r["ratings"], r["name"]))
    return rows
