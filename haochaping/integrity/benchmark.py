"""In-process cost of the checks (bench/integrity_overhead.py prints both figures).

``check_rating_cost``: ``check_rating`` alone, time and SQL queries per call, on the last
weekday of a realistic history (the labelled traffic of ``integrity evaluate``).

``measure``: rating_submit with the hook on and off, alternating rounds.

The payload is the ingest benchmark's (bench/ingest.py): hall tablet channel, top level,
the same mobile number and text on every rating, so the velocity check fires on nearly every
rating (its worst case: a flag, a review and a timeline row are written each time).
Runs in a transaction that is rolled back.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid

from django.db import transaction

from haochaping.core.clock import now


class _Rollback(Exception):
    pass


def office_moment() -> dt.datetime:
    """The last weekday before today at 11:00 Lhasa time: a benchmark's assessment time that
    does not depend on the hour it runs at (after hours every tablet rating would be flagged)."""
    from haochaping.core.clock import LOCAL_TZ

    day = (now().astimezone(LOCAL_TZ) - dt.timedelta(days=1)).date()
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(11, 0), tzinfo=LOCAL_TZ)


def completed_cases(item, done: dt.datetime, project_nos: list[str]) -> list:
    """Fixture volume: cases of ``item`` completed at ``done``, bulk-inserted (not under test)."""
    from haochaping.cases.enums import ApplicantType, ApplyChannel, CaseStatus
    from haochaping.cases.models import Case

    out = []
    for start in range(0, len(project_nos), 20_000):
        out += Case.objects.bulk_create(
            Case(
                project_no=number,
                item=item,
                unit=item.unit,
                applicant_type=ApplicantType.PERSON,
                applicant_name="卓玛",
                apply_channel=ApplyChannel.WINDOW,
                status=CaseStatus.COMPLETED,
                accepted_at=done - dt.timedelta(days=1),
                completed_at=done,
            )
            for number in project_nos[start : start + 20_000]
        )
    return out


def check_rating_cost(
    *, ratings: int = 150, days: int = 14, units: int = 5, per_day: int = 12, seed: int = 1
) -> list[dict]:
    """Play ``days`` of labelled traffic with the checks on, then the last ``ratings`` events
    with the checks off, timing ``check_rating`` on each of those (rolled back at the end)."""
    import random
    from collections import defaultdict

    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from haochaping.core.clock import LOCAL_TZ
    from haochaping.core.exceptions import InvalidInput
    from haochaping.integrity.checks import cache_clear
    from haochaping.integrity.pipeline import check_rating
    from haochaping.integrity.synthetic import build_world, plan, play

    rng = random.Random(seed)  # noqa: S311 - seeded synthetic traffic
    events = plan(
        rng,
        days=days,
        units=units,
        per_day=per_day,
        end=now().astimezone(LOCAL_TZ).date(),
        share_unit=units - 1,
    )
    history, measured = events[:-ratings], events[-ratings:]
    stats: dict[str, list] = defaultdict(list)
    try:
        with transaction.atomic():
            with time_machine.travel(events[0].at - dt.timedelta(days=1), tick=False) as tm:
                world = build_world(rng, units=units)
                cache_clear()
                for event in history:
                    play(event, world, rng, tm)
                os.environ["HAOCHAPING_INTEGRITY_ENABLED"] = "0"
                for event in measured:
                    rating = play(event, world, rng, tm)
                    if rating is None:
                        continue
                    uw = world.units[event.unit]
                    user = {
                        "staff_entry": uw.staff_user,
                        "phone": world.operator,
                        "paper": world.operator,
                    }.get(event.kind)
                    os.environ["HAOCHAPING_INTEGRITY_ENABLED"] = "1"
                    sid = transaction.savepoint()
                    with CaptureQueriesContext(connection) as queries:
                        t0 = time.perf_counter()
                        try:
                            check_rating(rating, acting_user=user)
                        except InvalidInput:
                            pass
                        elapsed = time.perf_counter() - t0
                    transaction.savepoint_commit(sid)
                    os.environ["HAOCHAPING_INTEGRITY_ENABLED"] = "0"
                    kind = "clean" if event.label == "clean" else "injected"
                    for key in (f"{kind}:{event.kind}", kind, "all"):
                        stats[key].append((elapsed * 1000, len(queries)))
            raise _Rollback
    except _Rollback:
        pass
    finally:
        os.environ.pop("HAOCHAPING_INTEGRITY_ENABLED", None)
        cache_clear()
    rows = []
    for key in sorted(stats, key=lambda k: (k.count(":"), k)):
        ms = sorted(x[0] for x in stats[key])
        qs = [x[1] for x in stats[key]]
        rows.append(
            {
                "kind": key,
                "calls": len(ms),
                "ms_mean": round(sum(ms) / len(ms), 3),
                "ms_median": round(ms[len(ms) // 2], 3),
                "queries_mean": round(sum(qs) / len(qs), 2),
                "queries_max": max(qs),
            }
        )
    return rows


def measure(*, ratings: int = 400, rounds: int = 4, distinct_mobiles: bool = False) -> dict:
    import random

    from haochaping.integrity.synthetic import build_world
    from haochaping.ratings.services import rating_submit

    out: dict = {"on": [], "off": []}
    try:
        with transaction.atomic():
            world = build_world(random.Random(1), units=1)  # noqa: S311
            uw = world.units[0]
            assess = office_moment()
            done = assess - dt.timedelta(hours=2)
            tag = uuid.uuid4().hex[:8]
            cases = completed_cases(
                uw.item, done, [f"IB-{tag}-{n}" for n in range(ratings * rounds * 2)]
            )
            it = iter(cases)
            for _round in range(rounds):
                for mode in ("off", "on"):
                    os.environ["HAOCHAPING_INTEGRITY_ENABLED"] = "1" if mode == "on" else "0"
                    t0 = time.perf_counter()
                    for _i in range(ratings):
                        rating_submit(
                            case=next(it),
                            level="very_satisfied",
                            channel="4",
                            assessed_at=assess,
                            option_codes=["510", "517"],
                            text="办事效率高",
                            evaluator_name="卓玛",
                            evaluator_mobile=(
                                f"139{_i + 10_000_000 * _round:08d}"
                                if distinct_mobiles
                                else "13900000000"
                            ),
                            idempotency_key=str(uuid.uuid4()),
                        )
                    out[mode].append((time.perf_counter() - t0) / ratings * 1000)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        os.environ.pop("HAOCHAPING_INTEGRITY_ENABLED", None)
    off, on = min(out["off"]), min(out["on"])
    return {
        "ms_per_rating_off": round(off, 2),
        "ms_per_rating_on": round(on, 2),
        "overhead": round(on / off - 1, 3),
        "rounds_off": [round(x, 2) for x in out["off"]],
        "rounds_on": [round(x, 2) for x in out["on"]],
    }
