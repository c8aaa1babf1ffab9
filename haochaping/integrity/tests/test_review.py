"""The bureau's review queue: confirm excludes (rollups drop by exactly that rating), clear keeps."""

from __future__ import annotations

import pytest

from haochaping.core.exceptions import InvalidInput, InvalidTransition, PermissionDenied
from haochaping.integrity.enums import ReviewStatus
from haochaping.integrity.models import Review
from haochaping.integrity.selectors import check_stats, unit_integrity
from haochaping.integrity.services import review_clear, review_confirm
from haochaping.integrity.tests.conftest import T0, rate
from haochaping.ratings.enums import Validity
from haochaping.ratings.selectors import rollup_total

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(org_tree, clock):
    rate(org_tree, clock, T0)  # a clean rating of the same unit and day
    rating = rate(org_tree, clock, T0.replace(minute=5), mobile=org_tree.staff.mobile)
    return Review.objects.get(rating=rating)


def test_confirm_excludes_the_rating_and_the_counts_drop_by_exactly_one(org_tree, flagged, people):
    # given
    unit_total = rollup_total(unit=org_tree.police)
    assert unit_total == 2
    # when the liaison confirms
    review = review_confirm(
        review=flagged, reason="工作人员本人手机评价", acting_user=people.liaison
    )
    # then the rating is kept, excluded with the reason, and counted no more
    rating = review.rating
    rating.refresh_from_db()
    assert (rating.validity, rating.excluded_reason) == (Validity.EXCLUDED, "工作人员本人手机评价")
    assert rollup_total(unit=org_tree.police) == unit_total - 1
    assert (review.status, review.decided_by) == (ReviewStatus.CONFIRMED, people.liaison)
    assert list(rating.events.values_list("type", "acting_user__username")) == [
        ("integrity.flagged", None),
        ("rating.excluded", "liaison"),
        ("integrity.confirmed", "liaison"),
    ]


def test_clear_keeps_the_rating_counted(org_tree, flagged, people):
    review = review_clear(review=flagged, reason="本人办事", acting_user=people.admin)
    review.rating.refresh_from_db()
    assert review.rating.validity == Validity.VALID
    assert rollup_total(unit=org_tree.police) == 2
    assert review.status == ReviewStatus.CLEARED
    assert list(review.rating.events.values_list("type", flat=True)) == [
        "integrity.flagged",
        "integrity.cleared",
    ]


def test_a_decided_review_cannot_be_decided_again(flagged, people):
    review_clear(review=flagged, acting_user=people.liaison)
    with pytest.raises(InvalidTransition) as exc:
        review_confirm(review=flagged, reason="x", acting_user=people.liaison)
    assert str(exc.value) == "This flagged rating was already decided."


def test_confirm_needs_a_reason(flagged, people):
    with pytest.raises(InvalidInput) as exc:
        review_confirm(review=flagged, reason="  ", acting_user=people.liaison)
    assert exc.value.extra == {"errors": {"reason": ["Give a reason for excluding the rating."]}}
    assert Review.objects.get(pk=flagged.pk).status == ReviewStatus.OPEN


@pytest.mark.parametrize("who", ["window_staff", "supervisor"])
def test_only_the_bureau_decides(flagged, people, who):
    with pytest.raises(PermissionDenied):
        review_confirm(review=flagged, reason="x", acting_user=getattr(people, who))
    with pytest.raises(PermissionDenied):
        review_clear(review=flagged, acting_user=getattr(people, who))


def test_check_statistics_count_fires_and_decisions(org_tree, clock, flagged, people):
    other = Review.objects.get(
        rating=rate(org_tree, clock, T0.replace(minute=30), mobile=org_tree.staff.mobile)
    )
    review_confirm(review=flagged, reason="确认", acting_user=people.liaison)
    review_clear(review=other, acting_user=people.liaison)
    row = next(r for r in check_stats(people.supervisor) if r["code"] == "staff_self")
    assert (row["fired"], row["confirmed"], row["cleared"], row["open"], row["confirm_rate"]) == (
        2,
        1,
        1,
        0,
        0.5,
    )


def test_unit_integrity_figures(org_tree, flagged, people):
    review_confirm(review=flagged, reason="确认", acting_user=people.liaison)
    rows = unit_integrity(people.supervisor, since=T0.date(), until=T0.date())
    assert [
        (r["unit_name"], r["ratings"], r["flagged"], r["confirmed"], r["flag_rate"]) for r in rows
    ] == [("拉萨市公安局", 1, 1, 1, 0.5)]
    assert unit_integrity(people.county_liaison, since=T0.date(), until=T0.date()) == []
