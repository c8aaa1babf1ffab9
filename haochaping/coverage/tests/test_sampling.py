"""监督检查评: stratified samples reproducible from a seed, exclusion of recently contacted
citizens, callback interviews (mismatches to the integrity view), mystery visits."""

import datetime as dt

import pytest

from haochaping.core.exceptions import InvalidInput, InvalidTransition, PermissionDenied
from haochaping.coverage import events, services
from haochaping.coverage.enums import Answer, InterviewOutcome, SampleKind, Stratum
from haochaping.coverage.models import SampleEntry, SupplementaryTask
from haochaping.coverage.selectors import interview_mismatches
from haochaping.coverage.tests.conftest import at, new_mobile, online_case
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit

pytestmark = pytest.mark.django_db
NOV = {"since": dt.date(2026, 11, 1), "until": dt.date(2026, 11, 5)}


def test_draw_is_pure_stratified_and_seeded():
    # given strata of 10, 2 and 1 candidates; k12 recently contacted; unit:3's only citizen
    # (k11) is also in unit:2
    population = [(i, "unit:1", 1, f"k{i}") for i in range(1, 11)] + [
        (11, "unit:2", 2, "k11"),
        (12, "unit:2", 2, "k12"),
        (15, "unit:3", 3, "k11"),
    ]

    # when
    chosen, excluded = services.draw(population, seed=7, per_stratum=3, excluded_keys={"k12"})
    again, _ = services.draw(
        list(reversed(population)), seed=7, per_stratum=3, excluded_keys={"k12"}
    )
    other, _ = services.draw(population, seed=8, per_stratum=3, excluded_keys={"k12"})

    # then
    by: dict[str, list[int]] = {}
    for row in chosen:
        by.setdefault(row[1], []).append(row[0])
    assert {k: len(v) for k, v in by.items()} == {"unit:1": 3, "unit:2": 1}
    assert by["unit:2"] == [11]
    assert excluded == 1
    assert chosen == again  # the order of the population does not matter
    assert [r[0] for r in chosen] != [r[0] for r in other]


@pytest.fixture
def rated(org_tree, people, clock):
    """24 rated cases in November: police × (PC, SMS) × 8, Chengguan police × PC × 8."""
    out = []
    for unit_key, channel in (
        ("id_card", Channel.PC),
        ("id_card", Channel.SMS),
        ("cg_hukou", Channel.PC),
    ):
        for n in range(8):
            case = online_case(
                org_tree, completed=at(f"2026-11-0{1 + n % 4} 10:00"), item_key=unit_key
            )
            out.append(
                rating_submit(
                    case=case,
                    level=Level.SATISFIED,
                    channel=channel,
                    assessed_at=case.completed_at + dt.timedelta(hours=2),
                    evaluator_mobile=new_mobile(),
                ).rating
            )
    return out


def _draw(people, **kw):
    fields = {
        "kind": SampleKind.CALLBACK,
        "name": "十一月回访抽样",
        "strata": [Stratum.UNIT, Stratum.CHANNEL],
        "per_stratum": 3,
        "seed": 20261105,
        "acting_user": people.supervisor,
        **NOV,
    }
    fields.update(kw)
    return services.sample_draw(**fields)


def test_sample_is_stratified_by_unit_and_channel(org_tree, people, rated, clock):
    # when
    sample = _draw(people)

    # then
    strata = list(sample.entries.values_list("stratum", flat=True))
    police, cg = org_tree.police.pk, org_tree.cg_police.pk
    assert sorted(set(strata)) == sorted(
        {f"unit:{police}|channel:1", f"unit:{police}|channel:7", f"unit:{cg}|channel:1"}
    )
    assert all(strata.count(s) == 3 for s in set(strata))
    assert (sample.population, sample.excluded, sample.entries.count()) == (24, 0, 9)
    for e in sample.entries.select_related("rating"):
        assert e.stratum == f"unit:{e.rating.unit_id}|channel:{e.rating.channel}"


def test_the_same_seed_draws_the_same_sample(org_tree, people, rated, clock):
    # when
    first = _draw(people)
    clock.shift(dt.timedelta(minutes=1))
    second = _draw(people, exclude_days=0)
    third = _draw(people, exclude_days=0, seed=1)

    # then
    ids = [
        list(s.entries.order_by("position").values_list("rating_id", flat=True))
        for s in (first, second, third)
    ]
    assert ids[0] == ids[1]
    assert ids[0] != ids[2]
    assert services.sample_reproduces(first) is True


def test_recently_contacted_citizens_are_left_out(org_tree, people, rated, clock):
    # given a sample whose first entry's citizen is interviewed
    first = _draw(people, strata=[Stratum.UNIT], per_stratum=8)
    entry = first.entries.order_by("position").first()
    services.interview_record(
        entry_id=entry.pk,
        outcome=InterviewOutcome.REACHED,
        confirms_rating=Answer.YES,
        acting_user=people.supervisor,
    )
    clock.shift(dt.timedelta(days=1))

    # when a new sample is drawn a day later (default: 90 days of rest), and one without rest
    later = _draw(people, strata=[Stratum.UNIT], per_stratum=50)
    no_rest = _draw(people, strata=[Stratum.UNIT], per_stratum=50, exclude_days=0)

    # then everybody drawn the day before (16 citizens) is left out
    later_ids = set(later.entries.values_list("rating_id", flat=True))
    assert entry.rating_id not in later_ids
    assert later.excluded == 16
    assert later.entries.count() == 24 - 16
    assert no_rest.entries.count() == 24


def test_supplementary_contacts_count_as_recent_contact(org_tree, people, clock):
    # given a citizen called for a supplementary rating who later rates
    case = online_case(org_tree, completed=at("2026-11-02 10:00"))
    services.supplementary_tasks_create(run_day=dt.date(2026, 11, 4))
    task = SupplementaryTask.objects.get(case=case)
    services.task_phone_answer_record(
        task_id=task.pk, level=Level.SATISFIED, acting_user=people.window
    )
    clock.shift(dt.timedelta(hours=1))

    # when
    sample = _draw(people, strata=[Stratum.UNIT])

    # then
    assert (sample.population, sample.excluded, sample.entries.count()) == (1, 1, 0)


def test_sample_input_and_roles(org_tree, people, clock):
    with pytest.raises(InvalidInput) as exc:
        _draw(people, strata=["colour"], per_stratum=0, until=dt.date(2026, 10, 1))
    assert exc.value.extra["errors"] == {
        "strata": ["Choose one or more of: unit, service item, channel."],
        "per_stratum": ["Between 1 and 50 per stratum."],
        "until": ["The end lies before the start."],
    }
    with pytest.raises(PermissionDenied):
        _draw(people, acting_user=people.window)


def test_interview_mismatch_is_flagged_and_signalled(org_tree, people, rated, clock):
    # given
    sample = _draw(people)
    entries = list(sample.entries.order_by("position"))
    heard = []

    def listener(sender, interview, rating, **kw):
        heard.append(rating.receipt)

    events.interview_mismatch_found.connect(listener)
    try:
        # when: one confirms, one says staff rated for them, one not reached
        ok = services.interview_record(
            entry_id=entries[0].pk,
            outcome=InterviewOutcome.REACHED,
            confirms_rating=Answer.YES,
            entered_by_staff=Answer.NO,
            pressured=Answer.NO,
            acting_user=people.supervisor,
        )
        bad = services.interview_record(
            entry_id=entries[1].pk,
            outcome=InterviewOutcome.REACHED,
            confirms_rating=Answer.UNSURE,
            entered_by_staff=Answer.YES,
            note="工作人员代为点击",
            acting_user=people.supervisor,
        )
        services.interview_record(
            entry_id=entries[2].pk,
            outcome=InterviewOutcome.NOT_REACHED,
            acting_user=people.supervisor,
        )
    finally:
        events.interview_mismatch_found.disconnect(listener)

    # then
    assert (ok.mismatch, bad.mismatch) == (False, True)
    assert heard == [entries[1].rating.receipt]
    assert [i.pk for i in interview_mismatches(people.liaison)] == [bad.pk]
    assert SampleEntry.objects.get(pk=entries[2].pk).done_at is None
    with pytest.raises(InvalidTransition):
        services.interview_record(
            entry_id=entries[0].pk,
            outcome=InterviewOutcome.REACHED,
            confirms_rating=Answer.YES,
            acting_user=people.supervisor,
        )
    with pytest.raises(InvalidInput) as exc:
        services.interview_record(
            entry_id=entries[3].pk, outcome=InterviewOutcome.REACHED, acting_user=people.supervisor
        )
    assert exc.value.extra == {
        "errors": {"confirms_rating": ["Does the citizen confirm the rating?"]}
    }


def test_a_stated_level_other_than_the_rating_is_a_mismatch(org_tree, people, rated, clock):
    entry = _draw(people).entries.first()
    i = services.interview_record(
        entry_id=entry.pk,
        outcome=InterviewOutcome.REACHED,
        confirms_rating=Answer.YES,
        stated_level=Level.DISSATISFIED,
        acting_user=people.supervisor,
    )
    assert i.mismatch is True


def test_inspection_sample_and_mystery_visit_with_follow_up(org_tree, people, clock):
    # given an inspection sample of service items, one per unit
    sample = _draw(people, kind=SampleKind.INSPECTION, strata=[Stratum.UNIT], per_stratum=1)
    entries = list(sample.entries.select_related("item"))
    assert sorted(e.item.unit_id for e in entries) == sorted(
        [org_tree.police.pk, org_tree.cg_police.pk]
    )

    # when a mystery visit answers the first entry, with a follow-up action
    visit = services.visit_record(
        unit=entries[0].item.unit,
        visited_at=at("2026-11-04 15:00"),
        hall=org_tree.hall,
        scenario="以办事群众身份咨询身份证办理",
        findings="窗口无人值守二十分钟。",
        level=Level.DISSATISFIED,
        entry_id=entries[0].pk,
        acting_user=people.supervisor,
    )
    action = services.follow_up_add(
        visit_id=visit.pk,
        description="整改窗口值守制度并报送说明",
        unit=entries[0].item.unit,
        due_date=dt.date(2026, 11, 12),
        acting_user=people.supervisor,
    )
    services.follow_up_done(action_id=action.pk, note="已建立AB岗", acting_user=people.supervisor)

    # then
    entries[0].refresh_from_db()
    action.refresh_from_db()
    assert visit.problems_found is True and visit.item == entries[0].item
    assert entries[0].done_at is not None
    assert (action.status, action.done_note) == ("done", "已建立AB岗")
    with pytest.raises(InvalidTransition):
        services.follow_up_done(action_id=action.pk, note="again", acting_user=people.supervisor)
    with pytest.raises(InvalidInput) as exc:
        services.follow_up_add(
            visit_id=visit.pk,
            description="",
            unit=None,
            due_date=dt.date(2026, 11, 1),
            acting_user=people.supervisor,
        )
    assert exc.value.extra["errors"] == {
        "description": ["Describe the action."],
        "unit": ["Choose a unit in your area."],
        "due_date": ["Give a due date from today on."],
    }
