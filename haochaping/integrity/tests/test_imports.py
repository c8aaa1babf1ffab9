"""Bulk-imported ratings get the integrity checks in a background job; a reject is a flag."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from haochaping.integrity.enums import Outcome, ReviewStatus
from haochaping.integrity.imports import imported_ratings_check, integrity_check_imported
from haochaping.integrity.models import Fingerprint, Flag, Review
from haochaping.integrity.tests.conftest import T0, case_for
from haochaping.integrity.tests.helpers import checks_on
from haochaping.ratings.enums import Channel, Validity
from haochaping.ratings.events import id_runs
from haochaping.ratings.models import Rating
from haochaping.ratings.tests.helpers import imported_ratings

pytestmark = pytest.mark.django_db

JOB = "haochaping.integrity.imports.integrity_check_imported"


def test_an_imported_chunk_is_checked_by_one_job(org_tree, clock):
    # given: one chunk with four ratings from one phone within minutes (velocity) and one
    # claiming a hall tablet that does not exist (a reject on the live path)
    cases = [case_for(org_tree, T0) for _i in range(5)]
    same_phone = imported_ratings(
        cases[:4], channel=Channel.MOBILE, evaluator_mobile="15900000042", assessed_at=T0
    )
    forged = imported_ratings(
        cases[4:], channel=Channel.EVALUATOR, device_id="tablet-999999", assessed_at=T0
    )
    assert not Fingerprint.objects.exists()  # nothing checked in the import's transaction
    jobs = DBTaskResult.objects.filter(task_path=JOB).order_by("enqueued_at")
    assert [(j.status, j.args_kwargs["args"]) for j in jobs] == [
        (TaskResultStatus.READY, [id_runs(same_phone)]),
        (TaskResultStatus.READY, [id_runs(forged)]),
    ]
    # when: the jobs run
    results = [integrity_check_imported.call(*j.args_kwargs["args"]) for j in jobs]
    # then
    assert results == [{"checked": 4, "flagged": 1}, {"checked": 1, "flagged": 1}]
    ratings = list(Rating.objects.filter(pk__in=same_phone).order_by("pk"))
    assert [checks_on(r) for r in ratings] == [["velocity"]] * 4
    tablet = Rating.objects.get(pk=forged[0])
    flag = Flag.objects.get(review__rating=tablet)
    assert (flag.check_code, flag.outcome) == ("token", Outcome.REJECT)
    # the imported rating stays stored and counted, waiting for the bureau's decision
    assert tablet.validity == Validity.VALID
    assert Review.objects.get(rating=tablet).status == ReviewStatus.OPEN
    assert Fingerprint.objects.count() == 5


def test_a_job_run_twice_checks_nothing_twice(org_tree, clock):
    # given
    ids = imported_ratings(
        [case_for(org_tree, T0) for _i in range(4)],
        channel=Channel.MOBILE,
        evaluator_mobile="15900000043",
        assessed_at=T0 - dt.timedelta(minutes=1),
    )
    assert imported_ratings_check(ids) == {"checked": 4, "flagged": 1}
    # when
    again = imported_ratings_check(ids)
    # then
    assert again == {"checked": 0, "flagged": 0}
    assert Flag.objects.count() == 4
