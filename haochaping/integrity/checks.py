"""The integrity checks: each looks at one incoming rating and returns pass, flag or reject.

A check is a class with a ``code``, a ``label``, ``run(ctx) -> Finding | None`` (None = pass)
and ``describe(details) -> str`` (the reason shown to reviewers, translated at display time
from the stored facts). Which checks run is ``HAOCHAPING_INTEGRITY["CHECKS"]`` (dotted paths),
so an installation can add its own.

A check gets its data in one of two ways. ``lookups(ctx)`` names the rows it needs about this
rating (earlier fingerprints of the same phone / device / text / window..., the link, the
tablet, the prompt) as small querysets; the pipeline runs the lookups of every check as ONE
``UNION ALL`` statement (on PostgreSQL together with the fingerprint insert) and hands the
rows to ``run(ctx)`` in ``ctx.rows``. Each lookup is an index range scan over a short time
window bounded by ``LIMIT threshold``. Slow-moving figures (a window's or unit's baseline, the
staff phone list) come from a per-process cache (``BASELINE_CACHE_SECONDS``). A check that
does not apply to the rating (its channel, level or text) asks for nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haochaping.accounts.enums import Role
from haochaping.integrity.conf import integrity_setting
from haochaping.integrity.enums import Outcome
from haochaping.integrity.keywords import polarity
from haochaping.integrity.lookups import Lookup, lookup
from haochaping.integrity.models import Fingerprint
from haochaping.ratings.enums import Channel, Level, Origin
from haochaping.ratings.models import Rating, RatingRollup

ONSITE_TERMINALS = frozenset({Channel.EVALUATOR.value, Channel.KIOSK.value})
# Where the window's staff hold the terminal or print the code: a rigged burst happens here.
STAFF_HANDLED = frozenset({Channel.EVALUATOR.value, Channel.KIOSK.value, Channel.QR_CODE.value})
PERSONAL_CHANNELS = frozenset(
    {Channel.PC.value, Channel.MOBILE.value, Channel.QR_CODE.value, Channel.SMS.value}
)
LINK_KEY = re.compile(r"^link-(\d{1,18})$")
TABLET_ID = re.compile(r"^tablet-(\d{1,18})$")


@dataclass
class Finding:
    outcome: Outcome
    score: float
    details: dict[str, Any]
    # Earlier ratings that belong to the same pattern (the threshold was crossed by this one).
    also: list[int] = field(default_factory=list)


@dataclass
class RatingContext:
    rating: Rating
    acting_user: Any
    fingerprint: Fingerprint
    local: dt.datetime
    memo: dict[str, Any] = field(default_factory=dict)
    # Rows fetched for the checks' lookups: key -> [(n, at, s), ...] (see ``lookup``).
    rows: dict[str, list[tuple]] = field(default_factory=dict)
    # The rating's own rollup count was written with the look-ups: a check reading the counts
    # leaves it out (it judges the rating against the ones before it).
    counted: bool = False


def earlier(limit: int, since: dt.datetime, until: dt.datetime, *where: tuple) -> Lookup:
    """Up to ``limit`` earlier fingerprints (newest first) in [since, until] matching ``where``
    (which repeats the partial index's condition): a bounded index range scan."""
    return lookup(
        Fingerprint,
        where=(*where, ("at", ">=", since), ("at", "<=", until)),
        n="rating_id",
        at="at",
        order="-at",
        limit=limit,
    )


def ids_of(ctx: RatingContext, key: str) -> list[int]:
    return [row[0] for row in ctx.rows.get(key, ())]


# --- helpers ------------------------------------------------------------------------------------

_cache: dict[tuple, tuple[float, Any]] = {}


def cached(key: tuple, compute) -> Any:
    """A per-process memo with the BASELINE_CACHE_SECONDS lifetime."""
    hit = _cache.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    value = compute()
    if len(_cache) > 50_000:
        _cache.clear()
    _cache[key] = (time.monotonic() + integrity_setting("BASELINE_CACHE_SECONDS"), value)
    return value


def cache_clear(**kwargs: Any) -> None:
    _cache.clear()


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if ch.isalnum() or unicodedata.category(ch).startswith("M"))


def text_hash(text: str) -> str:
    norm = normalise_text(text)
    if len(norm) < integrity_setting("REPEAT_MIN_LENGTH"):
        return ""
    return hashlib.sha256(norm.encode()).hexdigest()[:16]


def _hhmm(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def is_office_time(local: dt.datetime) -> bool:
    if local.weekday() not in integrity_setting("OFFICE_DAYS"):
        return False
    start, end = _hhmm(integrity_setting("OFFICE_START")), _hhmm(integrity_setting("OFFICE_END"))
    return start <= local.time() < end


def crossing(ids: list[int], threshold: int) -> tuple[bool, list[int]]:
    """(fires, earlier ids to flag too): fires when this rating makes ``threshold`` or more;
    at the crossing itself, the earlier members of the group are flagged with it."""
    total = len(ids) + 1
    if total < threshold:
        return False, []
    return True, ids if total == threshold else []


class Check:
    code = ""
    label: Any = ""
    help: Any = ""

    def lookups(self, ctx: RatingContext) -> dict[str, Lookup]:
        """The rows this check needs, by key (``lookup`` shape); fetched in one statement."""
        return {}

    def run(self, ctx: RatingContext) -> Finding | None:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self, details: dict[str, Any]) -> str:  # pragma: no cover - interface
        raise NotImplementedError


# --- 1. links and device tokens -------------------------------------------------------------------


class TokenCheck(Check):
    """Ratings that claim a rating link or hall tablet they cannot have come through.

    The channel services refuse used or expired links before a rating is made; a rating that
    still carries a used, expired, unknown or another case's link (``link-<id>`` key), or an
    unknown or revoked tablet (``tablet-<id>``), was replayed or forged past them: rejected.
    A tablet of another window than the case's is flagged.
    """

    code = "token"
    label = gettext_lazy("Replayed or tampered link or device token")

    def lookups(self, ctx: RatingContext) -> dict[str, Lookup]:
        from haochaping.channels.models import Device, RatingLink

        r = ctx.rating
        out = {}
        m = LINK_KEY.match(r.idempotency_key or "")
        if m:
            link = (("pk", "=", int(m.group(1))),)
            # two rows: (case, created, "stage/number") and (-, expires, used or "")
            out["link"] = lookup(
                RatingLink,
                where=link,
                n="case",
                at="created_at",
                s="{stage} || '/' || CAST({assess_number} AS text)",
            )
            out["link_state"] = lookup(
                RatingLink, where=link, at="expires_at", s="CAST({used_at} AS text)"
            )
        m = TABLET_ID.match(r.device_id or "")
        if m:
            out["tablet"] = lookup(
                Device,
                where=(("pk", "=", int(m.group(1))),),
                n="window",
                at="revoked_at",
                s="token_hash",
            )
        return out

    def run(self, ctx: RatingContext) -> Finding | None:
        r = ctx.rating
        if LINK_KEY.match(r.idempotency_key or ""):
            link = ctx.rows.get("link")
            problem = ""
            if not link:
                problem = "unknown_link"
            else:
                case_id, created_at, stage_number = link[0]
                _none, expires_at, used = ctx.rows["link_state"][0]
                ctx.memo["link_created_at"] = created_at
                if (case_id, stage_number) != (r.case_id, f"{r.stage}/{r.assess_number}"):
                    problem = "other_case_link"
                elif used:
                    problem = "used_link"
                elif r.received_at >= expires_at:
                    problem = "expired_link"
            if problem:
                return Finding(Outcome.REJECT, 1.0, {"problem": problem, "key": r.idempotency_key})
        if TABLET_ID.match(r.device_id or ""):
            device = ctx.rows.get("tablet")
            if not device:
                return Finding(
                    Outcome.REJECT, 1.0, {"problem": "unknown_device", "device": r.device_id}
                )
            window_id, revoked_at, token_hash = device[0]
            if revoked_at is not None or not token_hash:
                return Finding(
                    Outcome.REJECT, 1.0, {"problem": "revoked_device", "device": r.device_id}
                )
            if r.window_id is not None and window_id != r.window_id:
                return Finding(
                    Outcome.FLAG, 0.6, {"problem": "other_window_device", "device": r.device_id}
                )
        return None

    def describe(self, details: dict[str, Any]) -> str:
        messages = {
            "unknown_link": _("The rating claims a rating link that does not exist (%(key)s)."),
            "other_case_link": _(
                "The rating claims the rating link of another case or stage (%(key)s)."
            ),
            "used_link": _("The rating link was already used: the rating is a replay (%(key)s)."),
            "expired_link": _("The rating link had expired (%(key)s)."),
            "unknown_device": _(
                "The rating claims a hall tablet that does not exist (%(device)s)."
            ),
            "revoked_device": _("The rating comes from a revoked hall tablet (%(device)s)."),
            "other_window_device": _(
                "The rating comes from the tablet of another window (%(device)s)."
            ),
        }
        return messages.get(details.get("problem"), _("Token problem.")) % {
            "key": details.get("key", ""),
            "device": details.get("device", ""),
        }


# --- 2. one phone or device, many cases -----------------------------------------------------------


class DeviceVelocityCheck(Check):
    code = "velocity"
    label = gettext_lazy("One phone or device rating many cases")

    def lookups(self, ctx: RatingContext) -> dict[str, Lookup]:
        fp = ctx.fingerprint
        since = fp.at - dt.timedelta(minutes=integrity_setting("VELOCITY_MINUTES"))
        return {
            f"velocity_{kind}": earlier(
                integrity_setting("VELOCITY_COUNT"),
                since,
                fp.at,
                (kind, "=", value),
                (kind, "<>", ""),
            )
            for kind, value in (("mobile", fp.mobile), ("device", fp.device))
            if value
        }

    def run(self, ctx: RatingContext) -> Finding | None:
        fp = ctx.fingerprint
        threshold = integrity_setting("VELOCITY_COUNT")
        for kind, value in (("mobile", fp.mobile), ("device", fp.device)):
            if not value:
                continue
            ids = ids_of(ctx, f"velocity_{kind}")
            fires, also = crossing(ids, threshold)
            if fires:
                n = len(ids) + 1
                return Finding(
                    Outcome.FLAG,
                    min(1.0, 0.5 + 0.1 * n),
                    {
                        "kind": kind,
                        "value": value[-4:],
                        "count": n,
                        "minutes": integrity_setting("VELOCITY_MINUTES"),
                    },
                    also,
                )
        return None

    def describe(self, details: dict[str, Any]) -> str:
        if details.get("kind") == "mobile":
            msg = _(
                "The phone number ending %(value)s rated %(count)s cases within %(minutes)s minutes."
            )
        else:
            msg = _("The device ending %(value)s rated %(count)s cases within %(minutes)s minutes.")
        return msg % details


# --- 3. bursts of top ratings ---------------------------------------------------------------------


def top_baseline_per_hour(kind: str, key: int, day: dt.date) -> float:
    """Average top ratings per office hour of a window / staff member over the previous days."""
    days = integrity_setting("BASELINE_DAYS")

    def compute() -> float:
        total = (
            RatingRollup.objects.filter(
                **{f"{kind}_key": key},
                level=Level.VERY_SATISFIED,
                day__gte=day - dt.timedelta(days=days),
                day__lt=day,
            ).aggregate(n=Sum("count"))["n"]
            or 0
        )
        return total / (days * integrity_setting("OFFICE_HOURS_PER_DAY"))

    return cached(("top", kind, key, day), compute)


class TopBurstCheck(Check):
    code = "top_burst"
    label = gettext_lazy("Burst of top ratings far above the window's or staff member's baseline")

    def _groups(self, ctx: RatingContext) -> list[tuple[str, int, float, int]]:
        """(kind, id, baseline, threshold) of the window and staff member of a top rating."""
        fp = ctx.fingerprint
        if not fp.is_top:
            return []
        minutes = integrity_setting("BURST_MINUTES")
        out = []
        for kind, key in (("window", fp.window_id), ("staff", fp.staff_id)):
            if key is None:
                continue
            baseline = top_baseline_per_hour(kind, key, ctx.local.date()) * minutes / 60
            threshold = max(
                integrity_setting("BURST_MIN_COUNT"),
                int(baseline * integrity_setting("BURST_FACTOR")) + 1,
            )
            out.append((kind, key, baseline, threshold))
        return out

    def lookups(self, ctx: RatingContext) -> dict[str, Lookup]:
        fp = ctx.fingerprint
        since = fp.at - dt.timedelta(minutes=integrity_setting("BURST_MINUTES"))
        return {
            f"top_{kind}": earlier(
                threshold, since, fp.at, (f"{kind}_id", "=", key), ("is_top", "=", True)
            )
            for kind, key, _baseline, threshold in self._groups(ctx)
        }

    def run(self, ctx: RatingContext) -> Finding | None:
        minutes = integrity_setting("BURST_MINUTES")
        for kind, key, baseline, threshold in self._groups(ctx):
            ids = ids_of(ctx, f"top_{kind}")
            fires, also = crossing(ids, threshold)
            if fires:
                n = len(ids) + 1
                return Finding(
                    Outcome.FLAG,
                    min(1.0, 0.5 + n / (4 * threshold)),
                    {
                        "kind": kind,
                        "id": key,
                        "count": n,
                        "minutes": minutes,
                        "baseline": round(baseline, 2),
                    },
                    also,
                )
        return None

    def describe(self, details: dict[str, Any]) -> str:
        if details.get("kind") == "window":
            msg = _(
                "%(count)s top ratings for this window within %(minutes)s minutes (its own usual level: %(baseline)s)."
            )
        else:
            msg = _(
                "%(count)s top ratings for this staff member within %(minutes)s minutes (their own usual level: %(baseline)s)."
            )
        return msg % details


# --- 4. staff entering ratings, or rating from their own phone ----------------------------------


def staff_mobiles() -> dict[str, list[int]]:
    from haochaping.org.models import Staff

    def compute() -> dict[str, list[int]]:
        table: dict[str, list[int]] = {}
        for staff_id, unit_id, mobile in (
            Staff.objects.filter(active=True)
            .exclude(mobile="")
            .values_list("id", "unit_id", "mobile")
        ):
            table.setdefault(mobile, []).extend([staff_id, unit_id])
        return table

    return cached(("staff_mobiles",), compute)


class StaffSelfCheck(Check):
    """Ratings keyed in by a staff account of the rated unit itself (工作人员二次录入), or
    given from the mobile number of one of the unit's staff. Phone operators of the 12345
    hotline or the bureau recording a citizen's answer are not the rated unit: not flagged."""

    code = "staff_self"
    label = gettext_lazy("Entered by the rated unit's staff, or from a staff member's phone")

    def run(self, ctx: RatingContext) -> Finding | None:
        r = ctx.rating
        user = ctx.acting_user
        if user is not None and getattr(user, "role", None) in (Role.WINDOW_STAFF, Role.HANDLER):
            own_unit = user.scope_unit_id == r.unit_id
            if not own_unit and user.staff_id is not None:
                from haochaping.org.models import Staff

                own_unit = Staff.objects.filter(pk=user.staff_id, unit_id=r.unit_id).exists()
            if own_unit:
                return Finding(Outcome.FLAG, 0.9, {"kind": "account", "user": user.username})
        if r.evaluator_mobile:
            hit = staff_mobiles().get(r.evaluator_mobile)
            if hit:
                return Finding(
                    Outcome.FLAG,
                    0.8,
                    {"kind": "mobile", "staff": hit[0], "value": r.evaluator_mobile[-4:]},
                )
        return None

    def describe(self, details: dict[str, Any]) -> str:
        if details.get("kind") == "account":
            return _("Keyed in by %(user)s, a staff account of the rated unit itself.") % details
        return (
            _("Given from the mobile number ending %(value)s, which belongs to a staff member.")
            % details
        )


# --- 5. implausibly short time to complete --------------------------------------------------------


class ShortDurationCheck(Check):
    """Seconds between the moment the rating was put to the citizen (tablet prompt pushed,
    rating link made) and the rating itself: a rating given before anyone could read it."""

    code = "short_time"
    label = gettext_lazy("Implausibly short time to complete")

    @staticmethod
    def _applies(r: Rating) -> bool:
        return r.case_id is not None and not r.is_staff_entered and not r.is_system_default

    def lookups(self, ctx: RatingContext) -> dict[str, Lookup]:
        from haochaping.channels.models import Prompt

        r = ctx.rating
        if (
            not self._applies(r)
            or r.channel != Channel.EVALUATOR
            or LINK_KEY.match(r.idempotency_key or "")
        ):
            return {}  # a link's creation time comes with the token check's link row
        prompt = lookup(
            Prompt,
            where=(
                ("case", "=", r.case_id),
                ("stage", "=", r.stage),
                ("created_at", "<=", r.assessed_at),
            ),
            at="created_at",
            order="-id",
            limit=1,
        )
        return {"prompt": prompt}

    def run(self, ctx: RatingContext) -> Finding | None:
        r = ctx.rating
        if not self._applies(r):
            return None
        started = ctx.memo.get("link_created_at")
        if started is None and ctx.rows.get("prompt"):
            started = ctx.rows["prompt"][0][1]
        if started is None:
            return None
        seconds = (r.assessed_at - started).total_seconds()
        limit = integrity_setting("MIN_SECONDS_TO_COMPLETE")
        if 0 <= seconds < limit:
            return Finding(
                Outcome.FLAG,
                round(0.9 - 0.4 * seconds / limit, 2),
                {"seconds": round(seconds, 1), "limit": limit},
            )
        return None

    def describe(self, details: dict[str, Any]) -> str:
        return (
            _("Rated %(seconds)s seconds after it was put to the citizen (less than %(limit)s).")
            % details
        )


# --- 6. identical text repeated ------------------------------------------------------------------


class RepeatedTextCheck(Check):
    code = "repeated_text"
    label = gettext_lazy("Identical text repeated")

    def lookups(self, ctx: RatingContext) -> dict[str, Lookup]:
        fp = ctx.fingerprint
        if not fp.text_hash:
            return {}
        since = fp.at - dt.timedelta(days=integrity_setting("REPEAT_DAYS"))
        return {
            "text": earlier(
                integrity_setting("REPEAT_COUNT"),
                since,
                fp.at,
                ("text_hash", "=", fp.text_hash),
                ("text_hash", "<>", ""),
            )
        }

    def run(self, ctx: RatingContext) -> Finding | None:
        fp = ctx.fingerprint
        if not fp.text_hash:
            return None
        threshold = integrity_setting("REPEAT_COUNT")
        days = integrity_setting("REPEAT_DAYS")
        ids = ids_of(ctx, "text")
        fires, also = crossing(ids, threshold)
        if fires:
            n = len(ids) + 1
            return Finding(
                Outcome.FLAG,
                min(1.0, 0.6 + 0.1 * n),
                {"count": n, "days": days, "excerpt": ctx.rating.text[:30]},
                also,
            )
        return None

    def describe(self, details: dict[str, Any]) -> str:
        return (
            _("The same text was written on %(count)s ratings within %(days)s days: “%(excerpt)s”.")
            % details
        )


# --- 7. on-site ratings in bulk outside office hours -----------------------------------------------


class AfterHoursBulkCheck(Check):
    code = "after_hours"
    label = gettext_lazy("On-site ratings in bulk outside office hours")

    def lookups(self, ctx: RatingContext) -> dict[str, Lookup]:
        fp = ctx.fingerprint
        if not fp.onsite_after_hours:
            return {}
        since = fp.at - dt.timedelta(minutes=integrity_setting("AFTER_HOURS_MINUTES"))
        return {
            "after_hours": earlier(
                integrity_setting("AFTER_HOURS_COUNT"),
                since,
                fp.at,
                ("unit_id", "=", fp.unit_id),
                ("onsite_after_hours", "=", True),
            )
        }

    def run(self, ctx: RatingContext) -> Finding | None:
        fp = ctx.fingerprint
        if not fp.onsite_after_hours:
            return None
        threshold = integrity_setting("AFTER_HOURS_COUNT")
        minutes = integrity_setting("AFTER_HOURS_MINUTES")
        ids = ids_of(ctx, "after_hours")
        fires, also = crossing(ids, threshold)
        if fires:
            n = len(ids) + 1
            return Finding(
                Outcome.FLAG,
                min(1.0, 0.6 + 0.05 * n),
                {"count": n, "minutes": minutes, "time": ctx.local.strftime("%Y-%m-%d %H:%M")},
                also,
            )
        return None

    def describe(self, details: dict[str, Any]) -> str:
        return (
            _(
                "%(count)s on-site ratings of this unit within %(minutes)s minutes outside office hours (this one at %(time)s)."
            )
            % details
        )


# --- 8. level and text contradict each other -------------------------------------------------------


class ContradictionCheck(Check):
    code = "contradiction"
    label = gettext_lazy("Level and text contradict each other")

    def run(self, ctx: RatingContext) -> Finding | None:
        r = ctx.rating
        text = f"{r.text} {r.other_text}".strip()
        if not text:
            return None
        negative, positive = polarity(text)
        if r.level in (Level.VERY_SATISFIED, Level.SATISFIED) and negative and not positive:
            return Finding(
                Outcome.FLAG,
                min(1.0, 0.6 + 0.1 * len(negative)),
                {"direction": "good_level_bad_text", "words": negative[:5]},
            )
        if r.level in Level.bad_levels() and positive and not negative:
            return Finding(
                Outcome.FLAG,
                min(1.0, 0.6 + 0.1 * len(positive)),
                {"direction": "bad_level_good_text", "words": positive[:5]},
            )
        return None

    def describe(self, details: dict[str, Any]) -> str:
        words = "、".join(details.get("words", []))
        if details.get("direction") == "good_level_bad_text":
            return _("A good level with a complaining text (%(words)s).") % {"words": words}
        return _("A bad level with a praising text (%(words)s).") % {"words": words}


# --- 9. a unit's high share of staff-entered or paper ratings --------------------------------------


def unit_entered_share(unit_id: int, day: dt.date, *, less: str = "") -> tuple[int, int]:
    """(staff-entered or paper ratings, all non-default ratings) of a unit over SHARE_DAYS.

    ``less``: the origin of one rating of that unit and day already in the counts that must be
    left out (the rating being judged, counted with the look-ups)."""
    days = integrity_setting("SHARE_DAYS")

    def compute() -> tuple[int, int]:
        rows = (
            RatingRollup.objects.filter(
                unit_id=unit_id, day__gt=day - dt.timedelta(days=days), day__lte=day
            )
            .exclude(origin=Origin.SYSTEM_DEFAULT)
            .values_list("origin")
            .annotate(n=Sum("count"))
        )
        counts = dict(rows)
        if counts.get(less):
            counts[less] -= 1  # the remembered figures are those of the ratings before it
        entered = counts.get(Origin.STAFF_ENTERED, 0) + counts.get(Origin.PAPER, 0)
        return entered, sum(counts.values())

    hour = int(
        time.time() // 3600
    )  # at most an hour old, so a unit crossing the line is seen the same day
    return cached(("share", unit_id, day, hour), compute)


class UnitShareCheck(Check):
    code = "unit_share"
    label = gettext_lazy("Unit with a high share of staff-entered or paper ratings")

    def run(self, ctx: RatingContext) -> Finding | None:
        r = ctx.rating
        if not (r.is_staff_entered or r.is_paper) or r.is_system_default:
            return None
        entered, total = unit_entered_share(
            r.unit_id, ctx.local.date(), less=r.origin.value if ctx.counted else ""
        )
        if total < integrity_setting("SHARE_MIN_RATINGS"):
            return None
        share = entered / total
        if share > integrity_setting("SHARE_MAX"):
            return Finding(
                Outcome.FLAG,
                round(min(1.0, 0.4 + share / 2), 2),
                {
                    "share": round(share * 100),
                    "entered": entered,
                    "total": total,
                    "days": integrity_setting("SHARE_DAYS"),
                },
            )
        return None

    def describe(self, details: dict[str, Any]) -> str:
        return (
            _(
                "%(share)s%% of this unit's ratings in the last %(days)s days were keyed in by staff or from paper (%(entered)s of %(total)s)."
            )
            % details
        )


# --- registry ------------------------------------------------------------------------------------

_registry: dict[tuple, list[Check]] = {}


def active_checks() -> list[Check]:
    paths = tuple(integrity_setting("CHECKS"))
    checks = _registry.get(paths)
    if checks is None:
        checks = [import_string(p)() for p in paths]
        _registry[paths] = checks
    return checks


def check_by_code(code: str) -> Check | None:
    for check in active_checks():
        if check.code == code:
            return check
    return None
