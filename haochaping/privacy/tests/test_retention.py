"""Retention: identities older than N years are blanked, counts and texts stay; dry run; job."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Sum

from haochaping.cases.models import Case
from haochaping.coverage.models import Comment
from haochaping.coverage.services import comment_register
from haochaping.jobs.periodic import periodic_jobs
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.models import Rating, RatingRollup
from haochaping.ratings.services import rating_submit
from haochaping.testing.builders import make_case

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


def rated(tree, when: dt.datetime, mobile: str) -> Rating:
    case = make_case(
        tree, accepted_at=when - dt.timedelta(days=1), completed_at=when, applicant_mobile=mobile
    )
    return rating_submit(
        case=case,
        level=Level.SATISFIED,
        channel=Channel.EVALUATOR,
        assessed_at=when,
        evaluator_name="卓玛",
        evaluator_mobile=mobile,
        text="很好",
    ).rating


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("retention", "anonymise", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def records(org_tree, people):
    with time_machine.travel(dt.datetime(2022, 3, 1, 10, tzinfo=SH), tick=False):
        old = rated(org_tree, dt.datetime(2022, 3, 1, 9, tzinfo=SH), "13911110000")
        old_comment = comment_register(
            source="phone",
            subject_kind="unit",
            text="很方便",
            unit=org_tree.police,
            submitter_name="次仁",
            submitter_mobile="13822220000",
            acting_user=people.liaison,
        )
    with time_machine.travel(dt.datetime(2026, 11, 5, 10, tzinfo=SH), tick=False):
        new = rated(org_tree, dt.datetime(2026, 11, 5, 9, tzinfo=SH), "13933330000")
    return old, old_comment, new


def test_dry_run_counts_and_changes_nothing(records):
    old, _comment, _new = records
    with time_machine.travel(dt.datetime(2026, 11, 29, 3, 30, tzinfo=SH), tick=False):
        result = run("--older-than-years", "3", "--dry-run")
    assert result["cutoff"] == "2023-11-29T00:00:00+08:00"
    assert result["anonymised"]["ratings.Rating"] == 1
    assert result["anonymised"]["cases.Case"] == 1
    assert result["anonymised"]["coverage.Comment"] == 1
    assert Rating.objects.get(pk=old.pk).evaluator_mobile == "13911110000"


def test_old_identities_are_blanked_and_aggregates_kept(records):
    # given
    old, old_comment, new = records
    counts_before = RatingRollup.objects.aggregate(n=Sum("count"))["n"]
    # when
    with time_machine.travel(dt.datetime(2026, 11, 29, 3, 30, tzinfo=SH), tick=False):
        result = run("--batch-size", "1")  # the default: HAOCHAPING_RETENTION_YEARS = 3
        again = run()
    # then
    assert result["years"] == 3 and result["anonymised"]["ratings.Rating"] == 1
    assert set(again["anonymised"].values()) == {0}  # nothing left: a re-run resumes
    old.refresh_from_db()
    assert (old.evaluator_name, old.evaluator_mobile, old.evaluator_cert_no) == ("", "", "")
    assert (old.level, old.text) == (Level.SATISFIED, "很好")
    case = Case.objects.get(pk=old.case_id)
    assert (case.applicant_name, case.applicant_mobile, case.applicant_cert_no) == ("", "", "")
    comment = Comment.objects.get(pk=old_comment.pk)
    assert (comment.submitter_name, comment.submitter_mobile, comment.text) == ("", "", "很方便")
    new.refresh_from_db()
    assert new.evaluator_mobile == "13933330000"
    assert Case.objects.get(pk=new.case_id).applicant_mobile == "13933330000"
    assert RatingRollup.objects.aggregate(n=Sum("count"))["n"] == counts_before


def test_fewer_than_one_year_is_refused(records):
    with pytest.raises(CommandError, match="at least one year"):
        run("--older-than-years", "0")


@pytest.mark.django_db
def test_retention_is_a_registered_daily_job():
    job = {j.name: j for j in periodic_jobs()}["privacy-retention"]
    assert job.task_path == "haochaping.privacy.tasks.retention_anonymise_job"
    assert job.schedule.describe() == "daily at 03:30"
    assert job.load_task().call()["anonymised"]["ratings.Rating"] == 0
