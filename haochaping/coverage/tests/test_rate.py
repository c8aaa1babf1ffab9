"""The effective rating rate of online cases per unit, on a hand-made dataset."""

import datetime as dt

import pytest

from haochaping.cases.enums import ApplyChannel
from haochaping.channels.enums import EntryKind
from haochaping.channels.services import staff_rating_record
from haochaping.coverage import services
from haochaping.coverage.selectors import online_rating_rate, online_rating_rate_total
from haochaping.coverage.tests.conftest import at, online_case
from haochaping.ratings.enums import Channel, Level, Stage
from haochaping.ratings.services import rating_exclude, rating_submit

pytestmark = pytest.mark.django_db
OCT = {"since": dt.date(2026, 10, 1), "until": dt.date(2026, 10, 31)}


def _rate(case, *, channel=Channel.PC, stage=Stage.COMPLETION, when=None):
    return rating_submit(
        case=case,
        level=Level.SATISFIED,
        channel=channel,
        stage=stage,
        assessed_at=when or case.completed_at + dt.timedelta(hours=1),
    ).rating


@pytest.fixture
def dataset(org_tree, people, clock):
    """October 2026, city police bureau (online cases unless said otherwise):

    A citizen-rated on the portal · B phone answer keyed in by staff (app case) · C only a system
    default · D unrated · E its only rating excluded (appeal upheld) · F a window case (not online)
    · G completed 09-30 23:30 (outside) · H completed 10-31 23:30, rated by SMS link (inside) ·
    I rated at acceptance only. Chengguan police: J rated.
    """
    t = org_tree
    clock.move_to(at("2026-11-05 09:00"))
    a = online_case(t, completed=at("2026-10-10 10:00"))
    _rate(a)
    b = online_case(t, completed=at("2026-10-12 10:00"), channel=ApplyChannel.APP)
    staff_rating_record(
        kind=EntryKind.PHONE,
        case=b,
        level=Level.VERY_SATISFIED,
        operator=people.window,
        assessed_at=at("2026-10-14 10:00"),
    )
    c = online_case(t, completed=at("2026-10-05 10:00"))
    d = online_case(t, completed=at("2026-10-30 10:00"))
    e = online_case(t, completed=at("2026-10-20 10:00"))
    rating_exclude(rating=_rate(e), reason="复核认定为误评")
    f = online_case(t, completed=at("2026-10-20 10:00"), channel=ApplyChannel.WINDOW)
    _rate(f, channel=Channel.EVALUATOR)
    online_case(t, completed=at("2026-09-30 23:30"))  # G
    h = online_case(t, completed=at("2026-10-31 23:30"))
    _rate(h, channel=Channel.SMS)
    i = online_case(t, completed=at("2026-10-15 10:00"))
    _rate(i, stage=Stage.ACCEPTANCE, when=at("2026-10-14 12:00"))
    j = online_case(t, completed=at("2026-10-08 10:00"), item_key="cg_hukou")
    _rate(j)
    # the region writes defaults after 7 days; its run of 10-20 gave C (and G, outside the
    # period) one; the others were rated or too recent
    services.default_policy_set(
        region=t.lhasa, enabled=True, after_days=7, acting_user=people.admin
    )
    assert services.system_defaults_write(at=at("2026-10-20 09:00")) == 2
    return {"c": c, "d": d}


def test_effective_rating_rate_per_unit(org_tree, people, dataset):
    # when
    rows = {r.unit_id: r for r in online_rating_rate(people.liaison, **OCT)}

    # then police: 7 online cases (A B C D E H I), 4 effectively rated (A B H I)
    police = rows[org_tree.police.pk]
    assert (
        police.online_completed,
        police.effective,
        police.citizen,
        police.staff_entered,
        police.default_only,
        police.unrated,
    ) == (7, 4, 3, 1, 1, 2)
    assert police.rate.as_dict() == {
        "numerator": 4,
        "denominator": 7,
        "value": 0.571429,
        "percent": "57.1%",
    }
    assert police.citizen_rate.percent == "42.9%"
    cg = rows[org_tree.cg_police.pk]
    assert (cg.online_completed, cg.effective, cg.rate.percent) == (1, 1, "100.0%")
    total = online_rating_rate_total(list(rows.values()))
    assert (total.online_completed, total.effective, total.rate.percent) == (8, 5, "62.5%")


def test_the_rate_is_scoped_to_the_user(org_tree, people, dataset):
    # window staff of the police bureau see their unit only; Damxung's see nothing
    assert [r.unit_id for r in online_rating_rate(people.window, **OCT)] == [org_tree.police.pk]
    assert online_rating_rate(people.dx_window, **OCT) == []


def test_a_phone_answer_lifts_the_rate_and_a_default_does_not(org_tree, people, dataset, clock):
    # given D gets a supplementary task and the citizen answers on the phone
    services.supplementary_tasks_create(run_day=dt.date(2026, 11, 5))
    from haochaping.coverage.models import SupplementaryTask

    task = SupplementaryTask.objects.get(case=dataset["d"])
    services.task_phone_answer_record(
        task_id=task.pk, level=Level.SATISFIED, acting_user=people.window
    )

    # then
    police = {r.unit_id: r for r in online_rating_rate(people.liaison, **OCT)}[org_tree.police.pk]
    assert (police.effective, police.staff_entered, police.unrated, police.rate.percent) == (
        5,
        2,
        1,
        "71.4%",
    )
