"""Each check fires on its pattern and stays quiet on clean traffic (through rating_submit)."""

from __future__ import annotations

import datetime as dt

import pytest

from haochaping.channels.enums import EntryKind
from haochaping.channels.services import (
    device_create,
    device_pair,
    device_revoke,
    prompt_create,
    rating_link_create,
    rating_link_submit,
    staff_rating_record,
    tablet_rating_submit,
)
from haochaping.core.exceptions import InvalidInput
from haochaping.integrity.checks import normalise_text, polarity, text_hash
from haochaping.integrity.enums import ReviewStatus
from haochaping.integrity.models import Review
from haochaping.integrity.tests.conftest import T0, case_for, rate
from haochaping.integrity.tests.helpers import checks_on
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.models import Rating

pytestmark = pytest.mark.django_db
MIN = dt.timedelta(minutes=1)


# --- token --------------------------------------------------------------------------------------


def test_unknown_link_is_rejected_and_nothing_is_stored(org_tree, clock):
    # when a rating claims a link that never existed
    with pytest.raises(InvalidInput) as exc:
        rate(org_tree, clock, T0, idempotency_key="link-999999")
    # then it is refused with the reason, and no rating is stored
    assert exc.value.extra["errors"] == {
        "integrity": ["The rating claims a rating link that does not exist (link-999999)."]
    }
    assert exc.value.extra["check"] == "token"
    assert Rating.objects.count() == 0


def test_link_of_another_case_is_rejected(org_tree, clock):
    # given an open link of case A
    other = case_for(org_tree, T0)
    link, _token = rating_link_create(case=other)
    # when case B is rated with A's link
    with pytest.raises(InvalidInput) as exc:
        rate(org_tree, clock, T0 + MIN, idempotency_key=f"link-{link.pk}")
    # then
    assert exc.value.extra["errors"]["integrity"] == [
        f"The rating claims the rating link of another case or stage (link-{link.pk})."
    ]


def test_revoked_tablet_is_rejected_and_a_paired_one_passes(org_tree, clock):
    # given a revoked tablet and a paired one at the window
    old, code = device_create(window=org_tree.window, name="old", acting_user=None)
    device_pair(code=code)
    device_revoke(device=old, acting_user=None)
    tablet, code = device_create(window=org_tree.window, name="new", acting_user=None)
    tablet, _token = device_pair(code=code)
    # when a rating claims the revoked one
    with pytest.raises(InvalidInput) as exc:
        rate(org_tree, clock, T0, channel=Channel.EVALUATOR, device_id=f"tablet-{old.pk}")
    assert exc.value.extra["errors"]["integrity"] == [
        f"The rating comes from a revoked hall tablet (tablet-{old.pk})."
    ]
    # then the real tablet flow passes without flags
    case = case_for(org_tree, T0)
    clock.move_to(T0 + MIN)
    prompt = prompt_create(window=org_tree.window, case=case)
    clock.move_to(T0 + 2 * MIN)
    rating = tablet_rating_submit(
        device=tablet,
        prompt_id=prompt.pk,
        level=Level.SATISFIED,
        option_codes=["413"],
        text="",
        idempotency_key="k1",
        assessed_at=T0 + 2 * MIN,
    ).rating
    assert checks_on(rating) == []


def test_a_link_used_normally_passes(org_tree, clock):
    case = case_for(org_tree, T0)
    _link, token = rating_link_create(case=case)
    clock.move_to(T0 + 5 * MIN)
    rating = rating_link_submit(
        token=token, level=Level.VERY_SATISFIED, option_codes=["517"]
    ).rating
    assert checks_on(rating) == []


# --- velocity -------------------------------------------------------------------------------------


def test_one_phone_rating_many_cases_flags_the_whole_group(org_tree, clock):
    # given three ratings from one phone within half an hour: nothing yet
    first = [rate(org_tree, clock, T0 + 10 * k * MIN, mobile="15900001111") for k in range(3)]
    assert [checks_on(r) for r in first] == [[], [], []]
    # when the fourth arrives
    fourth = rate(org_tree, clock, T0 + 31 * MIN, mobile="15900001111")
    # then all four are flagged, the earlier ones as part of the fourth's group
    assert [checks_on(r) for r in [*first, fourth]] == [["velocity"]] * 4
    review = Review.objects.get(rating=first[0])
    assert review.flags.get().details["group_of"] == fourth.receipt


def test_the_same_phone_an_hour_later_is_not_a_burst(org_tree, clock):
    ratings = [rate(org_tree, clock, T0 + 40 * k * MIN, mobile="15900001111") for k in range(4)]
    assert [checks_on(r) for r in ratings] == [[]] * 4


# --- top bursts -------------------------------------------------------------------------------------


def test_burst_of_top_ratings_at_one_window(org_tree, clock):
    # given nine top ratings on the window's tablet within 45 minutes
    burst = [
        rate(
            org_tree,
            clock,
            T0 + 5 * k * MIN,
            level=Level.VERY_SATISFIED,
            channel=Channel.EVALUATOR,
            device_id="",
        )
        for k in range(9)
    ]
    assert all(checks_on(r) == [] for r in burst)
    # when the tenth arrives within the hour
    burst.append(
        rate(
            org_tree,
            clock,
            T0 + 50 * MIN,
            level=Level.VERY_SATISFIED,
            channel=Channel.EVALUATOR,
            device_id="",
        )
    )
    # then all ten are flagged
    assert [checks_on(r) for r in burst] == [["top_burst"]] * 10


def test_top_ratings_from_citizens_phones_are_no_burst(org_tree, clock):
    ratings = [
        rate(org_tree, clock, T0 + 4 * k * MIN, level=Level.VERY_SATISFIED) for k in range(12)
    ]
    assert all(checks_on(r) == [] for r in ratings)


# --- staff ------------------------------------------------------------------------------------------


def test_rating_keyed_in_by_the_rated_units_own_staff(org_tree, clock, people):
    case = case_for(org_tree, T0)
    entry = staff_rating_record(
        kind=EntryKind.PHONE,
        case=case,
        level=Level.VERY_SATISFIED,
        operator=people.window_staff,
        option_codes=["517"],
    )
    assert checks_on(entry.rating) == ["staff_self"]
    review = Review.objects.get(rating=entry.rating)
    assert review.flags.get().details == {"kind": "account", "user": "window"}


def test_rating_keyed_in_by_the_12345_operator_passes(org_tree, clock, people):
    case = case_for(org_tree, T0)
    entry = staff_rating_record(
        kind=EntryKind.PHONE,
        case=case,
        level=Level.SATISFIED,
        operator=people.operator,
        option_codes=["413"],
    )
    assert checks_on(entry.rating) == []


def test_rating_from_a_staff_members_phone(org_tree, clock):
    rating = rate(org_tree, clock, T0, mobile=org_tree.staff.mobile)
    assert checks_on(rating) == ["staff_self"]


# --- short time ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "expected"), [(2, ["short_time"]), (25, [])])
def test_time_between_prompt_and_tablet_rating(org_tree, clock, seconds, expected):
    tablet, code = device_create(window=org_tree.window, name="t", acting_user=None)
    tablet, _token = device_pair(code=code)
    case = case_for(org_tree, T0)
    clock.move_to(T0)
    prompt = prompt_create(window=org_tree.window, case=case)
    at = T0 + dt.timedelta(seconds=seconds)
    clock.move_to(at)
    rating = tablet_rating_submit(
        device=tablet,
        prompt_id=prompt.pk,
        level=Level.VERY_SATISFIED,
        option_codes=["517"],
        text="",
        idempotency_key="k",
        assessed_at=at,
    ).rating
    assert checks_on(rating) == expected


# --- repeated text ------------------------------------------------------------------------------------


def test_identical_long_text_three_times(org_tree, clock):
    text = "工作人员服务热情周到办事效率非常高"
    ratings = [
        rate(org_tree, clock, T0 + k * 60 * MIN, level=Level.VERY_SATISFIED, text=text)
        for k in range(3)
    ]
    assert [checks_on(r) for r in ratings] == [["repeated_text"]] * 3


def test_short_common_praise_repeated_is_normal(org_tree, clock):
    ratings = [rate(org_tree, clock, T0 + k * 20 * MIN, text="很好！") for k in range(5)]
    assert all(checks_on(r) == [] for r in ratings)


def test_text_hash_ignores_spaces_and_punctuation_but_keeps_tibetan_vowels():
    assert text_hash("工作人员 服务热情，周到办事效率高！") == text_hash(
        "工作人员服务热情周到办事效率高"
    )
    assert normalise_text("ཡག་པོ། ") == "ཡགཔོ"
    assert text_hash("很好") == ""


# --- after hours --------------------------------------------------------------------------------------


def test_onsite_ratings_in_bulk_at_night(org_tree, clock):
    night = T0.replace(hour=21)
    ratings = [
        rate(org_tree, clock, night + 10 * k * MIN, channel=Channel.EVALUATOR, device_id="")
        for k in range(4)
    ]
    assert [checks_on(r) for r in ratings] == [["after_hours"]] * 4


def test_onsite_ratings_in_office_hours_and_a_single_late_one_pass(org_tree, clock):
    day = [
        rate(org_tree, clock, T0 + 10 * k * MIN, channel=Channel.EVALUATOR, device_id="")
        for k in range(4)
    ]
    late = rate(org_tree, clock, T0.replace(hour=19), channel=Channel.EVALUATOR, device_id="")
    assert all(checks_on(r) == [] for r in [*day, late])


# --- contradiction -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "text", "expected"),
    [
        (Level.VERY_SATISFIED, "态度差，跑了好几趟", ["contradiction"]),
        (Level.VERY_DISSATISFIED, "非常满意，谢谢", ["contradiction"]),
        (Level.VERY_DISSATISFIED, "ཡག་པོ་ཐུགས་རྗེ་ཆེ", ["contradiction"]),
        (Level.SATISFIED, "ཡག་པོ་མི་འདུག", ["contradiction"]),
        (Level.VERY_SATISFIED, "很好，谢谢", []),
        (Level.DISSATISFIED, "不满意，效率低", []),
        (Level.VERY_DISSATISFIED, "ཡག་པོ་མི་འདུག", []),
    ],
)
def test_level_and_text(org_tree, clock, level, text, expected):
    assert checks_on(rate(org_tree, clock, T0, level=level, text=text)) == expected


def test_negative_phrases_hide_the_positive_words_inside_them():
    assert polarity("不满意") == (["不满意"], [])
    assert polarity("ཡག་པོ་མེད") == (["ཡག་པོ་མེད"], [])


# --- unit share ---------------------------------------------------------------------------------------


def test_high_share_of_staff_entered_ratings(org_tree, clock, people, settings):
    settings.HAOCHAPING_INTEGRITY = {"SHARE_MIN_RATINGS": 6, "BASELINE_CACHE_SECONDS": 0}
    for k in range(3):
        rate(org_tree, clock, T0 + k * MIN)
    entries = []
    for k in range(4):
        clock.move_to(T0 + (10 + k) * MIN)
        case = case_for(org_tree, T0 + (10 + k) * MIN)
        entries.append(
            staff_rating_record(
                kind=EntryKind.PHONE,
                case=case,
                level=Level.SATISFIED,
                operator=people.operator,
                option_codes=["413"],
            ).rating
        )
    # the first entries come before the unit has enough ratings; later ones are flagged
    assert [checks_on(r) for r in entries] == [[], [], [], ["unit_share"]]
    flag = Review.objects.get(rating=entries[-1]).flags.get()
    assert flag.details == {"share": 50, "entered": 3, "total": 6, "days": 30}


def test_occasional_phone_entries_pass(org_tree, clock, people, settings):
    settings.HAOCHAPING_INTEGRITY = {"SHARE_MIN_RATINGS": 6, "BASELINE_CACHE_SECONDS": 0}
    for k in range(8):
        rate(org_tree, clock, T0 + k * MIN)
    clock.move_to(T0 + 20 * MIN)
    entry = staff_rating_record(
        kind=EntryKind.PHONE,
        case=case_for(org_tree, T0 + 20 * MIN),
        level=Level.SATISFIED,
        operator=people.operator,
        option_codes=["413"],
    )
    assert checks_on(entry.rating) == []


def test_flagged_rating_waits_in_the_queue_and_still_counts(org_tree, clock):
    rating = rate(org_tree, clock, T0, mobile=org_tree.staff.mobile)
    review = Review.objects.get(rating=rating)
    assert (review.status, review.score, rating.validity) == (ReviewStatus.OPEN, 0.8, "valid")
    assert list(rating.events.values_list("type", flat=True)) == ["integrity.flagged"]


# --- cost: the number of statements per rating -----------------------------------------------


@pytest.mark.parametrize(
    ("mobile", "flagged", "statements"),
    [
        # all look-ups in one statement, with the fingerprint insert on PostgreSQL
        ("citizen", False, {"postgresql": 1, "sqlite": 2}),
        # a flag: review, flag and timeline event in one more statement on PostgreSQL
        ("staff", True, {"postgresql": 2, "sqlite": 5}),
    ],
)
def test_a_rating_is_judged_in_a_constant_number_of_statements(
    org_tree, clock, monkeypatch, mobile, flagged, statements
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from haochaping.audit.models import AuditRecord
    from haochaping.integrity.models import Fingerprint
    from haochaping.integrity.pipeline import check_rating

    # given warm per-process caches (staff phone list) and a rating stored with the checks off,
    # one that every fingerprint look-up applies to (phone, device, a long text)
    rate(org_tree, clock, T0)
    monkeypatch.setenv("HAOCHAPING_INTEGRITY_ENABLED", "0")
    rating = rate(
        org_tree,
        clock,
        T0 + MIN,
        level=Level.VERY_SATISFIED,
        text="窗口工作人员讲解清楚很耐心",
        mobile=org_tree.staff.mobile if mobile == "staff" else None,
    )
    monkeypatch.setenv("HAOCHAPING_INTEGRITY_ENABLED", "1")
    # when the checks judge it
    with CaptureQueriesContext(connection) as queries:
        check_rating(rating)
    # then (the audit trail's own rows of the review and the event aside)
    ours = [q["sql"][:40] for q in queries if "audit_auditrecord" not in q["sql"]]
    assert len(ours) == statements[connection.vendor], ours
    audited = AuditRecord.objects.filter(
        object_type__in=["integrity.review", "ratings.ratingevent"]
    )
    assert audited.filter(action="create").count() == (2 if flagged else 0)
    assert Fingerprint.objects.filter(rating=rating).exists()
    assert (checks_on(rating) == ["staff_self"]) is flagged
    assert rating.events.filter(type="integrity.flagged").exists() is flagged
