"""What the dashboard and public pages show, assembled from metrics (a fixed number of queries).

Each function takes the units in scope (a queryset, or None for all) and a period, and returns a
plain dict for templates, JSON and CSV; charts come from :mod:`charts` with their data tables.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import get_language
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


def trend_chart(
    units: QuerySet[Unit] | None, period: Period, current: tuple[int, int] | None = None
) -> Any:
    """Ratings and bad reviews of the periods up to ``period``. ``current``: ``period``'s own
    (ratings, bad reviews) when the caller has them already (the overview's total), so only
    the earlier periods are read."""
    periods = last_periods(period.grain, period, TREND_LENGTH[Grain(period.grain)])
    if current is None:
        span = Period(period.grain, periods[0].start, periods[-1].end)
        counts = m.volume_counts(period=span, units=units, grain=period.grain)
    else:
        span = Period(period.grain, periods[0].start, periods[-1].start)
        counts = m.volume_counts(period=span, units=units, grain=period.grain)
        counts[periods[-1].start] = current
    totals = [counts.get(p.start, (0, 0))[0] for p in periods]
    bads = [counts.get(p.start, (0, 0))[1] for p in periods]
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


def channel_chart(by_channel: dict[str, int]) -> Any:
    """``by_channel``: :func:`metrics.rating_count` per channel (the channels with any rating)."""
    total = sum(by_channel.values())
    codes = [c for c in Channel.values if c in by_channel]
    return bar_chart(
        title=_("Channel mix"),
        desc=_("Valid first ratings per channel."),
        labels=[str(Channel(c).label) for c in codes],
        values=[by_channel[c] for c in codes],
        value_labels=[f"{by_channel[c]} ({m.Ratio(by_channel[c], total).percent})" for c in codes],
        headers=(_("Channel"), _("Ratings (share)")),
        color="#00727a",
    )


def reason_labels(codes: list[str]) -> dict[str, str]:
    rows = ReasonOption.objects.filter(code__in=codes).order_by("version__is_current")
    return dict(rows.values_list("code", "label"))  # the current version's label wins


def units_by_bad_rate(
    by_unit: dict[Any, tuple[int, int]], names: dict[int, str], limit: int = 10
) -> list[dict[str, Any]]:
    """``by_unit``: unit -> (:func:`metrics.rating_count`, bad reviews), units with ratings."""
    rows = [
        {
            "unit_id": k,
            "name": names.get(k, str(k)),
            "ratings": n,
            "bad": bad,
            "bad_rate": m.Ratio(bad, n),
        }
        for k, (n, bad) in by_unit.items()
        if n
    ]
    rows.sort(key=lambda r: (-(r["bad_rate"].value or 0), -r["bad"], r["name"]))
    return rows[:limit]


def bad_rate_candidates(by_unit: dict[Any, tuple[int, int]], limit: int = 10) -> set[Any]:
    """The units that can be among :func:`units_by_bad_rate`'s first ``limit`` rows whatever
    their names: every unit ranked before the ``limit``-th by (bad-rating rate, bad reviews),
    and every unit tied with it (names break those ties). A province has thousands of units in
    scope; only these need their names read."""
    keys = [(-(m.Ratio(bad, n).value or 0), -bad, k) for k, (n, bad) in by_unit.items() if n]
    if len(keys) <= limit:
        return {k for _r, _b, k in keys}
    keys.sort(key=lambda x: x[:2])
    boundary = keys[limit - 1][:2]
    return {k for r, b, k in keys if (r, b) <= boundary}


def overview(*, units: QuerySet[Unit] | None, period: Period) -> dict[str, Any]:
    """The city / county / unit overview of ``period`` (about ten queries, none per rating)."""
    units = m.unit_scope(units)  # type: ignore[assignment]
    counts = m.overview_counts(period=period, units=units)
    tally = counts.total
    cases = m.case_tallies(period=period, units=units).get(None, m.CaseTally())
    rects = m.rect_tallies(period=period, units=units).get(None, m.RectTally())
    comments = m.comment_tallies(period=period, units=units).get(None, m.CommentTally())
    open_now = m.open_bad_reviews(units=units)
    candidates = bad_rate_candidates(counts.by_unit)
    shown = {k: v for k, v in counts.by_unit.items() if k in candidates}  # same order (ties)
    names = dict(Unit.objects.filter(pk__in=list(shown)).order_by().values_list("pk", "name"))
    reasons = m.top_reasons(period=period, units=units)
    labels = reason_labels([code for code, _lv, _n in reasons]) if reasons else {}
    return {
        "figures": headline(tally, cases, rects, comments),
        "open_bad_reviews": open_now.open,
        "overdue_bad_reviews": open_now.overdue,
        "trend": trend_chart(units, period, (m.rating_count(tally), m.bad_rate(tally).num)),
        "levels": level_chart(tally),
        "channels": channel_chart(counts.by_channel),
        "units_by_bad_rate": units_by_bad_rate(shown, names),
        "top_reasons": [
            {"code": code, "label": labels.get(code, ""), "level": Level(lv).label, "count": n}
            for code, lv, n in reasons
        ],
    }


# --- optional cache of computed blocks -----------------------------------------------------------

# The tables the dashboard blocks read; their PostgreSQL modification counters version the cache.
_SOURCES = (
    "results_unitdaycount",
    "results_unitmonthcount",
    "results_casedaycount",
    "results_reasondaycount",
    "rectification_rectification",
    "coverage_comment",
    "org_unit",
)


def cache_seconds() -> int:
    """``settings.HAOCHAPING_RESULTS["CACHE_SECONDS"]``: 0 (default) computes every block on
    every request; N > 0 keeps a computed block for at most N seconds."""
    return int(getattr(settings, "HAOCHAPING_RESULTS", {}).get("CACHE_SECONDS", 0))


def data_version() -> str:
    """Changes whenever a source table is written; part of the cache key, so a write makes the
    cached blocks unreachable.

    PostgreSQL: the tables' cumulative insert/update/delete counters (partitions included),
    published at commit within about a second, plus this transaction's own pending counts (so a
    transaction sees its own writes), with the server's start and statistics-reset times (the
    counters restart from zero after a crash or a reset). SQLite: ``PRAGMA data_version`` (bumped
    by other connections' commits) and this connection's ``total_changes()``, under a token of
    the connection (both numbers restart with a new connection)."""
    if connection.vendor == "postgresql":
        counters = " + ".join(
            f"pg_stat_get{xact}_tuples_{what}(t.relid)"
            for xact in ("", "_xact")
            for what in ("inserted", "updated", "deleted")
        )
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT SUM({counters}), pg_postmaster_start_time(),"  # noqa: S608
                " pg_stat_get_db_stat_reset_time("
                "(SELECT oid FROM pg_database WHERE datname = current_database()))"
                " FROM unnest(%s::text[]) AS s(name)"
                " CROSS JOIN LATERAL pg_partition_tree(to_regclass(s.name)) AS t",
                [list(_SOURCES)],
            )
            total, started, reset = cur.fetchone()
        return f"{total or 0}|{started}|{reset}"
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        token = getattr(connection, "_results_cache_token", None)
        if token is None or token[0] is not raw:
            token = (raw, uuid.uuid4().hex)
            connection._results_cache_token = token  # type: ignore[attr-defined]
        with connection.cursor() as cur:
            cur.execute("PRAGMA data_version")
            (others,) = cur.fetchone()
            cur.execute("SELECT total_changes()")
            (own,) = cur.fetchone()
        return f"{token[1]}|{others}|{own}"
    return ""


def cache_namespace() -> str:
    """The database the blocks come from (alias and name: test databases, bench scales and
    installations sharing a cache never share a block), and the ``VERSION`` setting."""
    db = connection.settings_dict
    version = getattr(settings, "HAOCHAPING_RESULTS", {}).get("CACHE_VERSION", "")
    return f"{connection.alias}|{db.get('HOST', '')}|{db.get('PORT', '')}|{db['NAME']}|{version}"


def cached_block(name: str, units: Any, period: Period, compute: Any) -> Any:
    """``compute()``, or its copy cached under (block, scope, period, language, data version)
    for ``cache_seconds()``. The scope is the SQL of the user's unit list, so two users share a
    block only when they see the same units."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute()
    if units is None:
        scope = "all"
    elif isinstance(units, QuerySet):
        sql, params = units.values("pk").query.sql_with_params()
        scope = f"{sql}|{params}"
    else:
        scope = ",".join(str(u) for u in sorted(units))
    raw = (
        f"{cache_namespace()}|{name}|{scope}|{period.grain}|{period.key}|{get_language()}"
        f"|{data_version()}"
    )
    key = "results:" + hashlib.sha256(raw.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


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
