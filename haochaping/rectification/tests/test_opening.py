"""Every valid bad rating opens exactly one rectification, routed to the responsible unit."""

import pytest
from django.db import IntegrityError, transaction

from haochaping.accounts.enums import Role
from haochaping.notifications.models import Notification
from haochaping.ratings.enums import Level
from haochaping.ratings.services import rating_exclude, rating_submit
from haochaping.rectification.enums import Status
from haochaping.rectification.models import Rectification, RectificationEvent
from haochaping.rectification.services import handler_designate, rectification_open
from haochaping.rectification.tests.helpers import at, bad_rating, completed_case
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db


def test_a_bad_rating_opens_one_rectification_for_the_case_unit(org_tree, people, clock):
    # given a case handled by the city police bureau
    case = completed_case(org_tree)
    # when
    rating = bad_rating(org_tree, case=case)
    # then
    r = Rectification.objects.get(rating=rating)
    assert (r.status, r.unit, r.case, r.handler) == (
        Status.NEW,
        org_tree.police,
        case,
        people.handler,
    )
    assert r.is_real_name is True
    assert r.contact_due_at == at("2026-10-13 18:00")
    assert r.feedback_due_at == at("2026-10-19 18:00")
    assert list(r.events.values_list("type", "to_status")) == [("rectification.opened", "new")]
    note = Notification.objects.get(recipient=people.handler)
    assert note.message == "rectification.assigned"
    assert note.params == {"item": case.project_no, "due": "2026-10-13 18:00"}


@pytest.mark.parametrize("level", [Level.DISSATISFIED, Level.VERY_DISSATISFIED])
def test_both_bad_levels_open_one(org_tree, people, clock, level):
    rating = bad_rating(org_tree, level=level)
    assert Rectification.objects.filter(rating=rating).count() == 1


@pytest.mark.parametrize("level", [Level.BASIC, Level.SATISFIED, Level.VERY_SATISFIED])
def test_other_levels_open_none(org_tree, people, clock, level):
    rating = bad_rating(org_tree, level=level)
    assert not Rectification.objects.filter(rating=rating).exists()


def test_overall_comment_without_a_case_goes_to_the_named_unit(org_tree, people, clock):
    # when a 综合点评 names Chengguan's police sub-bureau
    rating = bad_rating(org_tree, unit=org_tree.cg_police)
    # then its rectification belongs to that unit and Chengguan's handler has it
    r = Rectification.objects.get(rating=rating)
    assert (r.unit, r.case, r.handler) == (org_tree.cg_police, None, people.cg_handler)
    assert r.label == f"R{r.pk}"


def test_the_case_unit_wins_over_the_item_owner(org_tree, people, clock):
    # given an id-card case (item owned by the city police) handled by Chengguan's sub-bureau
    case = completed_case(org_tree, unit=org_tree.cg_police)
    # when
    r = Rectification.objects.get(rating=bad_rating(org_tree, case=case))
    # then: 谁办理、谁负责
    assert r.unit == org_tree.cg_police


def test_the_designated_handler_is_preferred_and_backups_do_not_replace_it(org_tree, people, clock):
    # given two handler accounts for the police bureau, the second designated
    second = make_user("h-police-2", Role.HANDLER, scope_unit=org_tree.police)
    backup = make_user("h-police-3", Role.HANDLER, scope_unit=org_tree.police)
    handler_designate(unit=org_tree.police, user=second)
    handler_designate(unit=org_tree.police, user=backup, is_backup=True)
    # when
    r = Rectification.objects.get(rating=bad_rating(org_tree))
    # then
    assert r.handler == second


def test_anonymous_rating_is_not_real_name(org_tree, people, clock):
    r = Rectification.objects.get(rating=bad_rating(org_tree, anonymous=True))
    assert r.is_real_name is False


def test_opening_twice_gives_the_same_item(org_tree, people, clock):
    rating = bad_rating(org_tree)
    first = Rectification.objects.get(rating=rating)
    assert rectification_open(rating=rating) == first
    assert Rectification.objects.filter(rating=rating).count() == 1


def test_the_database_refuses_a_second_open_rectification(org_tree, people, clock):
    # given
    r = Rectification.objects.get(rating=bad_rating(org_tree))
    # when a second open row is forced in
    r.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        r.save(force_insert=True)


def test_rectification_rolls_back_with_the_rating(org_tree, people, clock):
    # given a rating transaction that fails after the signal
    case = completed_case(org_tree)
    with pytest.raises(RuntimeError), transaction.atomic():
        rating_submit(
            level=Level.VERY_DISSATISFIED,
            channel="4",
            assessed_at=case.completed_at,
            case=case,
            text="差",
        )
        raise RuntimeError("boom")
    # then nothing was left behind
    assert not Rectification.objects.exists()
    assert not RectificationEvent.objects.exists()


def test_an_excluded_rating_keeps_its_history(org_tree, people, clock):
    # a rating excluded later does not delete the rectification (the reviewer withdraws it)
    rating = bad_rating(org_tree)
    rating_exclude(rating=rating, reason="恶意差评")
    assert Rectification.objects.get(rating=rating).status == Status.NEW
