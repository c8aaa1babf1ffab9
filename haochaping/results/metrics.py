"""Metric definitions (docs/metrics.md is the prose version; keep both in step).

Every figure is computed from counts, never from raw ratings:

- rating counts come from the summary tables ``UnitDayCount`` / ``UnitMonthCount`` (by region,
  unit, channel) or from ``ratings.RatingRollup`` (by item, window, hall, staff); both hold
  only **valid** ratings, so an excluded rating (an upheld appeal, 不予采纳) never counts;
- case counts (rating rate, unrated rate) come from ``CaseDayCount``;
- bad-review handling comes from aggregate queries over ``rectification.Rectification``
  (one row per bad review, a tiny fraction of ratings) grouped by unit.

The query functions (``*_tallies``) return small tallies keyed by the breakdown; the metric
functions below them are pure arithmetic on one tally and each states its definition. Unless a
definition says otherwise, a "rating" is a valid **first** rating (``assess_number`` 1);
follow-up ratings (追评) are counted apart (``follow_up_count``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import Trunc

from haochaping.core.clock import LOCAL_TZ, now
from haochaping.core.db import read_alias
from haochaping.org.models import Region, Unit, Window
from haochaping.ratings.enums import Level, Origin
from haochaping.ratings.models import RatingRollup
from haochaping.results.enums import Dimension, Grain
from haochaping.results.models import CaseDayCount, ReasonDayCount, UnitDayCount, UnitMonthCount
from haochaping.results.periods import Period, bucket_start

LEVELS = [
    Level.VERY_SATISFIED.value,
    Level.SATISFIED.value,
    Level.BASIC.value,
    Level.DISSATISFIED.value,
    Level.VERY_DISSATISFIED.value,
]
GOOD_LEVELS = frozenset({Level.VERY_SATISFIED.value, Level.SATISFIED.value})
SATISFIED_LEVELS = GOOD_LEVELS | {Level.BASIC.value}
BAD_LEVELS = Level.bad_levels()
CASE_ORIGINS = Origin.case_values()


# --- values --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """A share: ``num`` of ``den``. ``value`` is None when there is nothing to divide."""

    num: int
    den: int

    @property
    def value(self) -> float | None:
        return self.num / self.den if self.den else None

    @property
    def percent(self) -> str:
        """ "93.5%" or "—" (no data); one decimal, half away from zero."""
        if not self.den:
            return "—"
        return f"{(self.num * 1000 / self.den + 0.5) // 1 / 10:.1f}%"

    def as_dict(self) -> dict[str, Any]:
        v = self.value
        return {
            "numerator": self.num,
            "denominator": self.den,
            "value": None if v is None else round(v, 6),
        }


@dataclass
class RatingTally:
    """Valid ratings of one breakdown cell: first ratings per level, per origin, follow-ups.

    Ratings of origin ``comment`` (综合点评: no case) are kept apart in ``comment_levels`` and
    enter none of the case-rating figures (counts, rates, shares, rankings).
    """

    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    citizen_levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    origins: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CASE_ORIGINS, 0))
    comment_levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    follow_ups: int = 0

    def add(self, *, level: str, origin: str, assess_number: int, n: int) -> None:
        if origin == Origin.COMMENT:
            if assess_number == 1:
                self.comment_levels[level] = self.comment_levels.get(level, 0) + n
            return
        if assess_number != 1:
            self.follow_ups += n
            return
        self.levels[level] = self.levels.get(level, 0) + n
        self.origins[origin] = self.origins.get(origin, 0) + n
        if origin == Origin.CITIZEN:
            self.citizen_levels[level] = self.citizen_levels.get(level, 0) + n

    def merge(self, other: RatingTally) -> None:
        for name in ("levels", "citizen_levels", "origins", "comment_levels"):
            mine = getattr(self, name)
            for k, v in getattr(other, name).items():
                mine[k] = mine.get(k, 0) + v
        self.follow_ups += other.follow_ups


@dataclass
class CaseTally:
    completed: int = 0
    rated: int = 0
    citizen_rated: int = 0
    online_completed: int = 0
    online_rated: int = 0

    def add(self, *, online: bool, completed: int, rated: int, citizen_rated: int) -> None:
        self.completed += completed
        self.rated += rated
        self.citizen_rated += citizen_rated
        if online:
            self.online_completed += completed
            self.online_rated += rated


@dataclass
class RectTally:
    """Bad reviews opened in the period (withdrawn ones — rating not adopted — left out)."""

    received: int = 0
    contacted: int = 0
    contacted_in_time: int = 0
    feedback: int = 0
    feedback_in_time: int = 0
    closed: int = 0
    closed_in_time: int = 0
    close_clocked: int = 0
    callback_reached: int = 0
    fix_rated: int = 0
    fix_satisfied: int = 0
    open: int = 0
    overdue: int = 0

    def merge(self, other: RectTally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


# --- metric definitions (pure) -------------------------------------------------------------------


def rating_count(t: RatingTally) -> int:
    """评价数: valid first ratings (all origins: citizen, staff-entered, paper, system default)."""
    return sum(t.levels.values())


def follow_up_count(t: RatingTally) -> int:
    """追评数: valid follow-up ratings (assess number 2); not part of any share below."""
    return t.follow_ups


def level_count(t: RatingTally, level: str) -> int:
    """Valid first ratings of one level."""
    return t.levels.get(level, 0)


def level_share(t: RatingTally, level: str) -> Ratio:
    """Share of one level: ratings of that level / all valid first ratings."""
    return Ratio(level_count(t, level), rating_count(t))


def good_rate(t: RatingTally) -> Ratio:
    """好评率: (非常满意 + 满意) / all valid first ratings, system defaults included in both."""
    return Ratio(sum(t.levels[lv] for lv in GOOD_LEVELS), rating_count(t))


def satisfaction_rate(t: RatingTally) -> Ratio:
    """满意率: (非常满意 + 满意 + 基本满意) / all valid first ratings (levels 3–5, GB/T practice)."""
    return Ratio(sum(t.levels[lv] for lv in SATISFIED_LEVELS), rating_count(t))


def bad_rate(t: RatingTally) -> Ratio:
    """差评率: (不满意 + 非常不满意) / all valid first ratings."""
    return Ratio(sum(t.levels[lv] for lv in BAD_LEVELS), rating_count(t))


def citizen_rating_count(t: RatingTally) -> int:
    """主动评价数: valid first ratings of origin "citizen" (no staff entry, paper form or default)."""
    return sum(t.citizen_levels.values())


def citizen_good_rate(t: RatingTally) -> Ratio:
    """主动评价好评率: (非常满意 + 满意) / valid first ratings, both counted over citizen-initiated
    ratings only (system defaults, staff-entered and paper ratings left out)."""
    return Ratio(sum(t.citizen_levels[lv] for lv in GOOD_LEVELS), citizen_rating_count(t))


def origin_share(t: RatingTally, origin: str) -> Ratio:
    """Share of valid first ratings of one origin (e.g. staff-entered: to watch 二次录入)."""
    return Ratio(t.origins.get(origin, 0), rating_count(t))


def comment_rating_count(t: RatingTally) -> int:
    """综合点评 ratings: valid ratings of origin "comment" (a negative society's comment routed to
    the unit; no case). Counted here only, never in the figures above."""
    return sum(t.comment_levels.values())


def rating_rate(c: CaseTally) -> Ratio:
    """评价率: cases completed in the period that have a valid first rating (either stage) /
    cases completed in the period."""
    return Ratio(c.rated, c.completed)


def unrated_rate(c: CaseTally) -> Ratio:
    """未评率: cases completed in the period without a valid first rating (either stage) /
    cases completed in the period (= 1 − 评价率)."""
    return Ratio(c.completed - c.rated, c.completed)


def citizen_rating_rate(c: CaseTally) -> Ratio:
    """主动评价率: completed cases whose rating is citizen-initiated / cases completed."""
    return Ratio(c.citizen_rated, c.completed)


def online_unrated_count(c: CaseTally) -> int:
    """Online cases (web portal, app) completed in the period and still without a valid rating."""
    return c.online_completed - c.online_rated


def reply_rate(r: RectTally) -> Ratio:
    """差评回复率: bad reviews whose citizen was contacted within the contact clock (1 working
    day) / bad reviews received."""
    return Ratio(r.contacted_in_time, r.received)


def rectification_rate(r: RectTally) -> Ratio:
    """差评整改率: bad reviews closed (rectified, fixed at once or explained, then called back) /
    bad reviews received."""
    return Ratio(r.closed, r.received)


def callback_rate(r: RectTally) -> Ratio:
    """回访率: bad reviews with at least one callback that reached the citizen / received."""
    return Ratio(r.callback_reached, r.received)


def callback_satisfaction(r: RectTally) -> Ratio:
    """回访整改满意率: fixes the citizen called "satisfied" or "basically satisfied" / fixes for
    which the citizen gave a satisfaction."""
    return Ratio(r.fix_satisfied, r.fix_rated)


def on_time_rate(r: RectTally, clock: str) -> Ratio:
    """按时率 of one clock: steps done by their due time / steps done.

    contact: contacted by ``contact_due_at``; feedback: feedback given by ``feedback_due_at``;
    close: closed by ``close_due_at`` (among closed bad reviews that had a close clock).
    """
    if clock == "contact":
        return Ratio(r.contacted_in_time, r.contacted)
    if clock == "feedback":
        return Ratio(r.feedback_in_time, r.feedback)
    if clock == "close":
        return Ratio(r.closed_in_time, r.close_clocked)
    raise ValueError(clock)


# --- breakdown keys ------------------------------------------------------------------------------


def home_region() -> Region | None:
    return Region.objects.filter(code=settings.HAOCHAPING["HOME_REGION"]).first()


def county_of_regions(region_ids: Iterable[int]) -> dict[int, int]:
    """Map region id -> the id of its county-level ancestor (the child of the home region).

    Units located at the home region itself (city departments) map to the home region.
    One query over regions (a few hundred rows at most).
    """
    home = settings.HAOCHAPING["HOME_REGION"]
    ids = set(region_ids)
    if not ids:
        return {}
    rows = list(Region.objects.values_list("id", "code", "path"))
    by_code = {code: rid for rid, code, _ in rows}
    out: dict[int, int] = {}
    for rid, _code, path in rows:
        if rid not in ids:
            continue
        chain = [c for c in path.strip("/").split("/") if c]
        if home in chain and chain.index(home) + 1 < len(chain):
            out[rid] = by_code.get(chain[chain.index(home) + 1], rid)
        else:
            out[rid] = by_code.get(home, rid) if home in chain else rid
    return out


def _every_unit(units: QuerySet[Unit] | Iterable[int] | None) -> bool:
    """True when ``units`` is None or a queryset of all units (a superuser's scope).

    Every table read here points at existing units (the rollup, which the summaries follow,
    and the raw tables protect their unit; case counts come from cases), so "all units" needs
    no ``unit_id IN (SELECT id FROM org_unit)``: the same rows, without a semi-join over
    hundreds of thousands of summary rows."""
    if units is None:
        return True
    if not isinstance(units, QuerySet) or units.model is not Unit:
        return False
    query = units.query
    return not (query.where or query.is_sliced or query.combinator or query.is_empty())


def unit_scope(units: QuerySet[Unit] | Iterable[int] | None) -> list[int] | None:
    """``units`` as the ids of the units (one query for a queryset), or None for all units.

    A page resolves its scope once and passes the ids to every tally. A scope queryset filters
    on a region or unit path (``LIKE '/510000/%'``), which PostgreSQL estimates at one region:
    as a subquery of a summary scan it planned a nested loop over the unit index, one probe per
    unit of a province (a month's overview: 0.6 s instead of 0.05 s). Ids give the planner the
    true number of units (see :func:`_ids_subquery`). A scope that holds every unit (a
    province's supervision office in a one-province installation) is None too: the same rows,
    without a semi-join on every summary scan."""
    if _every_unit(units):
        return None
    if not isinstance(units, QuerySet):
        return [int(u) for u in units]  # type: ignore[union-attr]
    ids = list(units.order_by().values_list("pk", flat=True))
    if ids and len(ids) == Unit.objects.order_by().count():
        return None  # distinct units' ids, as many as all units: all units
    return ids


def _ids_subquery(ids: list[int]) -> tuple[str, list[int]]:
    """``SELECT id FROM org_unit WHERE id IN (...)``: the list is estimated on the small unit
    table, once, and joined by hash to a big summary (an id list straight on a monthly
    partitioned table is estimated again for every partition: 80 ms of planning for 3,540
    units over a year)."""
    table = Unit._meta.db_table
    return f"SELECT u.id FROM {table} u WHERE u.id IN ({', '.join(['%s'] * len(ids))})", ids  # noqa: S608


def _unit_filter(units: QuerySet[Unit] | Iterable[int] | None, prefix: str = "unit") -> Q:
    if _every_unit(units):
        return Q()
    if isinstance(units, QuerySet):
        return Q(**{f"{prefix}__in": units})
    # the ids through the unit table, as _ids_subquery does for the raw SQL
    return Q(**{f"{prefix}__in": Unit.objects.filter(pk__in=list(units)).values("pk")})


def _trunc(grain: Grain | None, fieldname: str) -> Any:
    if grain is None:
        return None
    if grain == Grain.DAY:
        return fieldname
    return Trunc(fieldname, Grain(grain).value, output_field=DateField())


def _bucket(value: Any) -> dt.date:
    return (
        value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else value.date()
    )


_ROLLUP_FIELD = {
    Dimension.NONE: None,
    Dimension.UNIT: "unit_id",
    Dimension.REGION: "unit__region_id",
    Dimension.CHANNEL: "channel",
    Dimension.ITEM: "item_key",
    Dimension.WINDOW: "window_key",
    Dimension.HALL: "window_key",
    Dimension.STAFF: "staff_key",
}


def _fold(by: Dimension, keys: set[Any]) -> dict[Any, Any]:
    """Map raw group keys to breakdown keys (regions -> county, windows -> hall)."""
    if by == Dimension.REGION:
        return county_of_regions(keys)
    if by == Dimension.HALL:
        halls = dict(
            Window.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "hall_id")
        )
        return {k: halls.get(k, 0) for k in keys}
    return {k: k for k in keys}


# --- queries -------------------------------------------------------------------------------------


def rating_tallies(
    *,
    period: Period,
    by: Dimension | str = Dimension.NONE,
    units: QuerySet[Unit] | Iterable[int] | None = None,
    grain: Grain | str | None = None,
    channel: str | None = None,
) -> dict[Any, RatingTally]:
    """Rating tallies over ``period`` for the ``units`` (None: all), keyed by the breakdown.

    With ``grain`` the key is ``(bucket start date, breakdown key)``; without it the breakdown
    key alone (None for Dimension.NONE). One query, whatever the number of ratings: it sums the
    levels, origins and assess numbers into columns (one row per day or month × key; days and
    months are bucketed here). Region, unit and channel breakdowns read the per-unit summary
    (monthly when the period and grain allow it); item, window, hall and staff the full rollup.
    The SQL is written out rather than built by the ORM: compiling twenty filtered aggregates
    cost more than running them.
    """
    by = Dimension(by)
    grain = Grain(grain) if grain else None
    dim = _ROLLUP_FIELD[by]
    source = _source(period, by=by, units=units, grain=grain, channel=channel)
    if source is None:
        return {}
    table, datefield, where, params = source
    keys: list[str] = []
    join = ""
    if dim == "unit__region_id":
        join = f" JOIN {Unit._meta.db_table} u ON u.id = t.unit_id"
        keys.append("u.region_id")
    elif dim:
        keys.append(f"t.{dim}")
    if grain:
        keys.append(f"t.{datefield}")
    select = ", ".join([*keys, _PIVOT_SQL])
    sql = f"SELECT {select} FROM {table} t{join} WHERE {where}"  # noqa: S608
    if keys:
        sql += f" GROUP BY {', '.join(keys)}"
    rows = _fetch(sql, params)
    nk = len(keys)
    fold = _fold(by, {r[0] for r in rows}) if dim else {}
    out: dict[Any, RatingTally] = {}
    for r in rows:
        if not any(r[nk:]):
            continue  # a cell whose counts are all zero (or no row at all without GROUP BY)
        key = fold.get(r[0], r[0]) if dim else None
        if grain:
            key = (bucket_start(grain, _as_date(r[nk - 1])), key)
        _put(out, key, _unpivot(r[nk:]))
    return out


def _put(out: dict[Any, RatingTally], key: Any, tally: RatingTally) -> None:
    if key in out:
        out[key].merge(tally)
    else:
        out[key] = tally


def _fetch(sql: str, params: list[Any]) -> list[tuple]:
    # Raw SQL bypasses the routers: ask which alias a read may use (the read replica inside
    # haochaping.core.db.reading_replica(), else the primary).
    with connections[read_alias()].cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _source(
    period: Period,
    *,
    by: Dimension,
    units: QuerySet[Unit] | Iterable[int] | None,
    grain: Grain | None,
    channel: str | None = None,
) -> tuple[str, str, str, list[Any]] | None:
    """The table a tally reads (per-unit month or day summary, or the full rollup), its date
    column, and the WHERE clause with its parameters; None when ``units`` is empty."""
    if by in (Dimension.NONE, Dimension.UNIT, Dimension.REGION, Dimension.CHANNEL):
        coarse = period.month_aligned and grain in (None, Grain.MONTH, Grain.QUARTER, Grain.YEAR)
        model, datefield = (UnitMonthCount, "month") if coarse else (UnitDayCount, "day")
    else:
        model, datefield = RatingRollup, "day"
    where, params = [f"t.{datefield} >= %s", f"t.{datefield} < %s"], [period.start, period.end]
    if not _every_unit(units):
        if isinstance(units, QuerySet):
            # no ORDER BY (Unit's default ordering joins org_region) inside IN (...)
            sub, sub_params = units.order_by().values("pk").query.sql_with_params()
            where.append(f"t.unit_id IN ({sub})")
            params.extend(sub_params)
        else:
            ids = [int(u) for u in units]
            if not ids:
                return None
            sub, sub_params = _ids_subquery(ids)
            where.append(f"t.unit_id IN ({sub})")
            params.extend(sub_params)
    if channel:
        where.append("t.channel = %s")
        params.append(channel)
    return model._meta.db_table, datefield, " AND ".join(where), params


def rating_tallies_sets(
    *, period: Period, units: QuerySet[Unit] | Iterable[int] | None = None
) -> dict[Dimension, dict[Any, RatingTally]]:
    """The tallies of ``period`` in total, by channel and by unit, from one scan of the summary
    (PostgreSQL GROUPING SETS; three queries elsewhere). Same results as three
    :func:`rating_tallies` calls."""
    dims = (Dimension.NONE, Dimension.CHANNEL, Dimension.UNIT)
    if connection.vendor != "postgresql":
        return {d: rating_tallies(period=period, by=d, units=units) for d in dims}
    out: dict[Dimension, dict[Any, RatingTally]] = {d: {} for d in dims}
    source = _source(period, by=Dimension.UNIT, units=units, grain=None)
    if source is None:
        return out
    table, _datefield, where, params = source
    sql = (
        f"SELECT GROUPING(t.channel), GROUPING(t.unit_id), t.channel, t.unit_id, {_PIVOT_SQL} "  # noqa: S608
        f"FROM {table} t WHERE {where} GROUP BY GROUPING SETS ((), (t.channel), (t.unit_id))"
    )
    for r in _fetch(sql, params):
        if not any(r[4:]):
            continue
        if r[0] and r[1]:
            _put(out[Dimension.NONE], None, _unpivot(r[4:]))
        elif r[1]:
            _put(out[Dimension.CHANNEL], r[2], _unpivot(r[4:]))
        else:
            _put(out[Dimension.UNIT], r[3], _unpivot(r[4:]))
    return out


@dataclass
class OverviewCounts:
    """What an overview shows of ``period``'s ratings: the full tally of the whole scope,
    :func:`rating_count` per channel and (:func:`rating_count`, bad reviews) per unit.

    ``by_channel`` holds the channels :func:`rating_tallies` by channel would return (those with
    any valid rating, 综合点评 included) and ``by_unit`` the units with at least one rating."""

    total: RatingTally = field(default_factory=RatingTally)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_unit: dict[Any, tuple[int, int]] = field(default_factory=dict)


def overview_counts(
    *, period: Period, units: QuerySet[Unit] | Iterable[int] | None = None
) -> OverviewCounts:
    """The overview's rating figures from two plain GROUP BY queries over the per-unit summary:
    by (channel, level, origin, assess number) with one sum, added up here into the total and
    the channels' counts, and by unit with two sums over valid first case ratings. Same
    figures as :func:`rating_tallies_sets` (21 sums per row in one GROUPING SETS scan, which
    PostgreSQL ran about 1.5x slower than these two scans at province scale)."""
    out = OverviewCounts()
    source = _source(period, by=Dimension.UNIT, units=units, grain=None)
    if source is None:
        return out
    table, _datefield, where, params = source
    sql = (
        "SELECT t.channel, t.level, t.origin, t.assess_number, SUM(t.count) "  # noqa: S608
        f"FROM {table} t WHERE {where} GROUP BY t.channel, t.level, t.origin, t.assess_number"
    )
    held: dict[str, int] = {}
    for channel, level, origin, assess, n in _fetch(sql, params):
        n, assess = int(n or 0), int(assess)
        out.total.add(level=level, origin=origin, assess_number=assess, n=n)
        if assess == 1 or origin in CASE_ORIGINS:  # what a RatingTally holds at all
            held[channel] = held.get(channel, 0) + n
            if assess == 1 and origin in CASE_ORIGINS:
                out.by_channel[channel] = out.by_channel.get(channel, 0) + n
    out.by_channel = {c: out.by_channel.get(c, 0) for c, n in held.items() if n}
    case_origins = ", ".join(f"'{og}'" for og in CASE_ORIGINS)
    bad = ", ".join(f"'{lv}'" for lv in sorted(BAD_LEVELS))
    sql = (
        "SELECT t.unit_id, SUM(t.count), "  # noqa: S608
        f"SUM(CASE WHEN t.level IN ({bad}) THEN t.count ELSE 0 END) FROM {table} t "
        f"WHERE {where} AND t.assess_number = 1 AND t.origin IN ({case_origins}) "
        "GROUP BY t.unit_id"
    )
    for unit, n, nbad in _fetch(sql, params):
        if n:
            out.by_unit[unit] = (int(n), int(nbad or 0))
    return out


def volume_counts(
    *, period: Period, grain: Grain | str, units: QuerySet[Unit] | Iterable[int] | None = None
) -> dict[dt.date, tuple[int, int]]:
    """Bucket start -> (ratings, bad reviews) for a trend: :func:`rating_count` and the
    numerator of :func:`bad_rate`, with two sums instead of a full tally (a trend spans many
    periods)."""
    grain = Grain(grain)
    source = _source(period, by=Dimension.NONE, units=units, grain=grain)
    if source is None:
        return {}
    table, datefield, where, params = source
    case_origins = ", ".join(f"'{og}'" for og in CASE_ORIGINS)
    bad = ", ".join(f"'{lv}'" for lv in sorted(BAD_LEVELS))
    first = f"t.assess_number = 1 AND t.origin IN ({case_origins})"
    sql = (
        f"SELECT t.{datefield}, SUM(CASE WHEN {first} THEN t.count ELSE 0 END), "  # noqa: S608
        f"SUM(CASE WHEN {first} AND t.level IN ({bad}) THEN t.count ELSE 0 END) "
        f"FROM {table} t WHERE {where} GROUP BY t.{datefield}"
    )
    out: dict[dt.date, tuple[int, int]] = {}
    for day, n, b in _fetch(sql, params):
        key = bucket_start(grain, _as_date(day))
        old = out.get(key, (0, 0))
        out[key] = (old[0] + int(n or 0), old[1] + int(b or 0))
    return {k: v for k, v in out.items() if v[0]}


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])  # SQLite returns text from a raw query


def _pivot_sql() -> str:
    """One SUM per figure a RatingTally holds (constants from the enums, no user input)."""
    case_origins = ", ".join(f"'{og}'" for og in CASE_ORIGINS)

    def total(condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN t.count ELSE 0 END)"

    first = "t.assess_number = 1"
    by_level = [
        f"{first} AND t.level = '{lv}' AND t.origin {origin}"
        for origin in (f"IN ({case_origins})", f"= '{Origin.CITIZEN}'", f"= '{Origin.COMMENT}'")
        for lv in LEVELS
    ]
    by_origin = [f"{first} AND t.origin = '{og}'" for og in CASE_ORIGINS]
    follow_ups = f"t.assess_number <> 1 AND t.origin IN ({case_origins})"
    cols = [total(c) for c in [*by_level, *by_origin, follow_ups]]
    return ", ".join(cols)


_PIVOT_SQL = _pivot_sql()


def _unpivot(v: tuple) -> RatingTally:
    n = len(LEVELS)
    levels = [int(x or 0) for x in v]
    return RatingTally(
        levels=dict(zip(LEVELS, levels[:n], strict=True)),
        citizen_levels=dict(zip(LEVELS, levels[n : 2 * n], strict=True)),
        comment_levels=dict(zip(LEVELS, levels[2 * n : 3 * n], strict=True)),
        origins=dict(zip(CASE_ORIGINS, levels[3 * n : 3 * n + len(CASE_ORIGINS)], strict=True)),
        follow_ups=levels[-1],
    )


def _f(name: str) -> Any:
    from django.db.models import F

    return F(name)


def case_tallies(
    *,
    period: Period,
    by: Dimension | str = Dimension.NONE,
    units: QuerySet[Unit] | Iterable[int] | None = None,
    grain: Grain | str | None = None,
) -> dict[Any, CaseTally]:
    """Completed/rated case counts by completion day (``CaseDayCount``), one query."""
    by = Dimension(by)
    if by not in (Dimension.NONE, Dimension.UNIT, Dimension.REGION):
        raise ValueError(by)
    grain = Grain(grain) if grain else None
    qs = CaseDayCount.objects.filter(day__gte=period.start, day__lt=period.end).filter(
        _unit_filter(units)
    )
    group: dict[str, Any] = {}
    if by != Dimension.NONE:
        group["k"] = _f(_ROLLUP_FIELD[by])
    if grain:
        group["b"] = _trunc(grain, "day") if grain != Grain.DAY else _f("day")
    rows = list(
        qs.values(**group, on=_f("online"))
        .annotate(c=Sum("completed"), r=Sum("rated"), cr=Sum("citizen_rated"))
        .order_by()
    )
    fold = _fold(by, {r["k"] for r in rows}) if by != Dimension.NONE else {}
    out: dict[Any, CaseTally] = defaultdict(CaseTally)
    for r in rows:
        key = fold.get(r["k"], r["k"]) if by != Dimension.NONE else None
        if grain:
            key = (_bucket(r["b"]), key)
        out[key].add(
            online=r["on"], completed=r["c"] or 0, rated=r["r"] or 0, citizen_rated=r["cr"] or 0
        )
    return dict(out)


def rectification_available() -> bool:
    return apps.is_installed("haochaping.rectification")


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL_TZ)


def rect_tallies(
    *,
    period: Period,
    by: Dimension | str = Dimension.NONE,
    units: QuerySet[Unit] | Iterable[int] | None = None,
    at: dt.datetime | None = None,
) -> dict[Any, RectTally]:
    """Bad-review handling of the case bad reviews opened in ``period``, by none/unit/region.

    ``open`` and ``overdue`` are as of ``at`` (default now). One aggregate query over the
    rectification table (indexed on ``opened_at``), grouped by unit.
    """
    by = Dimension(by)
    if by not in (Dimension.NONE, Dimension.UNIT, Dimension.REGION):
        raise ValueError(by)
    if not rectification_available():
        return {}
    from django.db.models import F

    from haochaping.rectification.enums import CallbackOutcome, FixSatisfaction, Status
    from haochaping.rectification.models import Callback, Rectification

    at = at or now()
    opened = {
        "opened_at__gte": _local_midnight(period.start),
        "opened_at__lt": _local_midnight(period.end),
    }
    # "has a reached callback" as one hashed IN (callbacks of the period's bad reviews) rather
    # than a correlated EXISTS probed per bad review (a year of a province: tens of thousands of
    # probes, and a plan cost that switched PostgreSQL's JIT on)
    reached = Q(
        pk__in=Callback.objects.filter(
            outcome=CallbackOutcome.REACHED,
            **{f"rectification__{k}": v for k, v in opened.items()},
        ).values("rectification_id")
    )
    overdue = Q(paused_at__isnull=True) & (
        Q(status__in=[Status.NEW, Status.REOPENED], contact_due_at__lt=at)
        | Q(status__in=[Status.CONTACTED, Status.RECTIFYING], feedback_due_at__lt=at)
        | Q(status__in=[Status.FEEDBACK_GIVEN, Status.AWAITING_CALLBACK], close_due_at__lt=at)
    )
    qs = (
        Rectification.objects.filter(
            **opened,
            case__isnull=False,  # 综合点评 are counted by comment_tallies
        )
        .exclude(status=Status.WITHDRAWN)
        .filter(_unit_filter(units))
    )
    aggregates = dict(
        received=Count("pk"),
        contacted=Count("pk", filter=Q(contacted_at__isnull=False)),
        contacted_in_time=Count("pk", filter=Q(contacted_at__lte=F("contact_due_at"))),
        feedback=Count("pk", filter=Q(feedback_at__isnull=False)),
        feedback_in_time=Count("pk", filter=Q(feedback_at__lte=F("feedback_due_at"))),
        closed=Count("pk", filter=Q(status=Status.CLOSED)),
        close_clocked=Count("pk", filter=Q(status=Status.CLOSED, close_due_at__isnull=False)),
        closed_in_time=Count(
            "pk", filter=Q(status=Status.CLOSED, closed_at__lte=F("close_due_at"))
        ),
        callback_reached=Count("pk", filter=reached),
        fix_rated=Count("pk", filter=~Q(fix_satisfaction="")),
        fix_satisfied=Count(
            "pk", filter=Q(fix_satisfaction__in=[FixSatisfaction.SATISFIED, FixSatisfaction.BASIC])
        ),
        open=Count("pk", filter=Q(status__in=Status.open_values())),
        overdue=Count("pk", filter=Q(status__in=Status.open_values()) & overdue),
    )
    if by == Dimension.NONE:
        totals = qs.aggregate(**aggregates)
        rows = [totals] if totals["received"] else []
    else:
        rows = list(qs.values(k=_f(_ROLLUP_FIELD[by])).annotate(**aggregates).order_by())
    fold = _fold(by, {r["k"] for r in rows}) if by != Dimension.NONE else {}
    out: dict[Any, RectTally] = defaultdict(RectTally)
    for r in rows:
        key = fold.get(r.pop("k"), None) if by != Dimension.NONE else None
        out[key].merge(RectTally(**r))
    return dict(out)


def open_bad_reviews(
    *, units: QuerySet[Unit] | Iterable[int] | None = None, at: dt.datetime | None = None
) -> RectTally:
    """Case bad reviews open now (whenever opened) and how many are past their running clock."""
    if not rectification_available():
        return RectTally()
    from haochaping.rectification.enums import Status
    from haochaping.rectification.models import Rectification

    at = at or now()
    overdue = Q(paused_at__isnull=True) & (
        Q(status__in=[Status.NEW, Status.REOPENED], contact_due_at__lt=at)
        | Q(status__in=[Status.CONTACTED, Status.RECTIFYING], feedback_due_at__lt=at)
        | Q(status__in=[Status.FEEDBACK_GIVEN, Status.AWAITING_CALLBACK], close_due_at__lt=at)
    )
    agg = (
        Rectification.objects.filter(status__in=Status.open_values(), case__isnull=False)
        .filter(_unit_filter(units))
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=overdue))
    )
    return RectTally(open=agg["open"], overdue=agg["overdue"])


def top_reasons(
    *,
    period: Period,
    units: QuerySet[Unit] | Iterable[int] | None = None,
    levels: Iterable[str] = tuple(BAD_LEVELS),
    limit: int = 10,
) -> list[tuple[str, str, int]]:
    """The most chosen reason codes of valid first ratings of ``levels``: (code, level, count)."""
    rows = (
        ReasonDayCount.objects.filter(
            day__gte=period.start, day__lt=period.end, level__in=list(levels)
        )
        .filter(_unit_filter(units))
        .values("code", "level")
        .annotate(n=Sum("count"))
        .filter(n__gt=0)
        .order_by("-n", "code")[:limit]
    )
    return [(r["code"], r["level"], r["n"]) for r in rows]


# --- supplementary ratings (coverage app) and appeals (appeals app) -----------------------------


@dataclass
class SupplementaryTally:
    """Supplementary-rating tasks whose clock started (online case completed) in the period."""

    tasks: int = 0
    ended: int = 0
    rated: int = 0
    rated_on_time: int = 0
    open: int = 0


def supplementary_completion(s: SupplementaryTally) -> Ratio:
    """补评完成率: tasks that ended with a rating collected (SMS link, phone answer, another
    channel) / tasks whose clock started in the period. Declined, system-default and expired
    tasks count in the denominator only."""
    return Ratio(s.rated, s.tasks)


def supplementary_on_time(s: SupplementaryTally) -> Ratio:
    """补评按时率: tasks rated within their 5 working days / tasks rated."""
    return Ratio(s.rated_on_time, s.rated)


def _grouped(qs: Any, by: Dimension, aggregates: dict[str, Any], factory: Any) -> dict[Any, Any]:
    if by == Dimension.NONE:
        totals = qs.aggregate(**aggregates)
        return {None: factory(**totals)} if any(totals.values()) else {}
    rows = list(qs.values(k=_f(_ROLLUP_FIELD[by])).annotate(**aggregates).order_by())
    fold = _fold(by, {r["k"] for r in rows})
    out: dict[Any, Any] = {}
    for r in rows:
        key = fold.get(r.pop("k"))
        cell = factory(**r)
        if key in out:
            for name in cell.__dataclass_fields__:
                setattr(out[key], name, getattr(out[key], name) + getattr(cell, name))
        else:
            out[key] = cell
    return out


def _app_dimension(by: Dimension | str, app: str) -> Dimension | None:
    """The breakdown of a tally over another app's table (none, unit or region); None when the
    breakdown is not offered or the app is not installed."""
    by = Dimension(by)
    if by not in (Dimension.NONE, Dimension.UNIT, Dimension.REGION) or not apps.is_installed(app):
        return None
    return by


def supplementary_tallies(
    *,
    period: Period,
    by: Dimension | str = Dimension.NONE,
    units: QuerySet[Unit] | Iterable[int] | None = None,
) -> dict[Any, SupplementaryTally]:
    """One aggregate query over ``coverage.SupplementaryTask`` (one row per unrated online case)."""
    by = _app_dimension(by, "haochaping.coverage")
    if by is None:
        return {}
    from haochaping.coverage.enums import TaskStatus
    from haochaping.coverage.models import SupplementaryTask

    qs = SupplementaryTask.objects.filter(
        started_at__gte=_local_midnight(period.start), started_at__lt=_local_midnight(period.end)
    ).filter(_unit_filter(units))
    aggregates = {
        "tasks": Count("pk"),
        "ended": Count("pk", filter=~Q(status__in=TaskStatus.open_values())),
        "rated": Count("pk", filter=Q(status=TaskStatus.RATED)),
        "rated_on_time": Count("pk", filter=Q(status=TaskStatus.RATED, on_time=True)),
        "open": Count("pk", filter=Q(status__in=TaskStatus.open_values())),
    }
    return _grouped(qs, by, aggregates, SupplementaryTally)


@dataclass
class CommentTally:
    """综合点评 (society's comments, coverage app) received in the period."""

    received: int = 0
    negative: int = 0
    routed: int = 0
    rectified: int = 0


def comment_rectified_rate(c: CommentTally) -> Ratio:
    """综合点评整改率: negative comments routed to the unit whose rectification is closed / routed."""
    return Ratio(c.rectified, c.routed)


def comment_tallies(
    *,
    period: Period,
    by: Dimension | str = Dimension.NONE,
    units: QuerySet[Unit] | Iterable[int] | None = None,
) -> dict[Any, CommentTally]:
    """One aggregate query over ``coverage.Comment`` (comments received in the period, spam left
    out): received, classified negative, routed to the unit for rectification (a case-less bad
    rating was made), and rectified (that rating's rectification is closed)."""
    by = _app_dimension(by, "haochaping.coverage")
    if by is None:
        return {}
    from django.db.models import Exists, OuterRef

    from haochaping.coverage.enums import CommentStatus, Sentiment
    from haochaping.coverage.models import Comment

    qs = (
        Comment.objects.filter(
            received_at__gte=_local_midnight(period.start),
            received_at__lt=_local_midnight(period.end),
        )
        .exclude(status=CommentStatus.REJECTED)
        .filter(_unit_filter(units))
    )
    from haochaping.rectification.enums import Status  # coverage routes through rectification
    from haochaping.rectification.models import Rectification

    closed = Rectification.objects.filter(rating=OuterRef("rating_id"), status=Status.CLOSED)
    qs = qs.annotate(closed=Exists(closed))
    aggregates = {
        "received": Count("pk"),
        "negative": Count("pk", filter=Q(sentiment=Sentiment.NEGATIVE)),
        "routed": Count("pk", filter=Q(status=CommentStatus.ROUTED)),
        "rectified": Count("pk", filter=Q(status=CommentStatus.ROUTED, closed=True)),
    }
    return _grouped(qs, by, aggregates, CommentTally)


@dataclass
class AppealTally:
    """Appeals filed in the period and the outcome in force."""

    filed: int = 0
    decided: int = 0
    upheld: int = 0
    explanation: int = 0
    not_adopted: int = 0
    decided_on_time: int = 0


def appeal_not_adopted_share(a: AppealTally) -> Ratio:
    """Share of decided appeals whose rating was not adopted (mis-rating or malicious rating)."""
    return Ratio(a.not_adopted, a.decided)


def appeal_on_time(a: AppealTally) -> Ratio:
    """复核按时率: appeals decided by their decision due time (7 working days) / decided."""
    return Ratio(a.decided_on_time, a.decided)


def appeal_tallies(
    *,
    period: Period,
    by: Dimension | str = Dimension.NONE,
    units: QuerySet[Unit] | Iterable[int] | None = None,
) -> dict[Any, AppealTally]:
    """Appeal outcomes (the rated unit's), one aggregate query over ``appeals.Appeal``.

    ``upheld`` / ``explanation`` / ``not_adopted`` count the outcome in force (the further
    review's when there was one)."""
    by = _app_dimension(by, "haochaping.appeals")
    if by is None:
        return {}
    from django.db.models import F
    from django.db.models.functions import Coalesce, NullIf

    from haochaping.appeals.enums import Outcome
    from haochaping.appeals.models import Appeal

    in_force = Coalesce(NullIf("final_outcome", _value("")), NullIf("outcome", _value("")))
    qs = (
        Appeal.objects.filter(
            filed_at__gte=_local_midnight(period.start), filed_at__lt=_local_midnight(period.end)
        )
        .filter(_unit_filter(units))
        .annotate(in_force=in_force)
    )
    aggregates = {
        "filed": Count("pk"),
        "decided": Count("pk", filter=Q(decided_at__isnull=False)),
        "upheld": Count("pk", filter=Q(in_force=Outcome.UPHELD)),
        "explanation": Count("pk", filter=Q(in_force=Outcome.EXPLANATION)),
        "not_adopted": Count("pk", filter=Q(in_force=Outcome.NOT_ADOPTED)),
        "decided_on_time": Count("pk", filter=Q(decided_at__lte=F("decision_due_at"))),
    }
    return _grouped(qs, by, aggregates, AppealTally)


def _value(v: Any) -> Any:
    from django.db.models import Value

    return Value(v)
