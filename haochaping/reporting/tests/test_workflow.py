"""Draft → review (comments, text sections) → publish → archive; corrections; permissions."""

from __future__ import annotations

import hashlib

import pytest
from django_tasks_db.models import DBTaskResult

from haochaping.accounts.enums import Role
from haochaping.core.exceptions import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from haochaping.notifications.models import Notification
from haochaping.reporting import services, tasks
from haochaping.reporting.enums import ReportState
from haochaping.reporting.models import Report, ReportFile
from haochaping.reporting.transitions import ALLOWED, can_transition
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db


def test_transition_table():
    # given every pair of states; then only these moves exist
    allowed = {
        (a, b) for a in ReportState.values for b in ReportState.values if can_transition(a, b)
    }
    assert allowed == {
        ("draft", "in_review"),
        ("in_review", "draft"),
        ("in_review", "published"),
        ("published", "superseded"),
    }
    assert set(ALLOWED) == set(ReportState.values)


def test_full_workflow_archives_files_and_corrections_make_new_versions(
    dataset, liaison, supervisor, django_capture_on_commit_callbacks
):
    # given a draft of the bulletin
    report = services.report_generate(
        kind="monthly_bulletin", period_key="2026-10", acting_user=liaison
    )
    assert (report.state, report.version) == ("draft", 1)
    assert (
        Notification.objects.filter(recipient=liaison, message="reporting.draft_ready").count() == 1
    )
    # when the bureau comments and edits the text sections
    services.report_comment_add(report_id=report.pk, text="请补充城关区的情况", acting_user=liaison)
    services.report_sections_update(
        report_id=report.pk,
        problems_found="部分窗口排队时间长",
        typical_cases="某窗口一次办结",
        acting_user=liaison,
    )
    # then publishing straight from draft is refused
    with pytest.raises(InvalidTransition):
        services.report_publish(report_id=report.pk, acting_user=liaison)
    services.report_submit(report_id=report.pk, acting_user=liaison)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_publish(report_id=report.pk, acting_user=liaison)
    # the files are rendered by a queued background job
    job = DBTaskResult.objects.get(task_path="haochaping.reporting.tasks.render_report_files")
    assert job.args_kwargs["kwargs"] == {"report_id": report.pk}
    assert not ReportFile.objects.exists()
    result = tasks.render_report_files.call(report_id=report.pk)
    files = {f.format: f for f in ReportFile.objects.filter(report=report)}
    assert set(files) == {"xlsx", "pdf"}
    for f in files.values():
        assert f.audience == "public"
        assert f.sha256 == hashlib.sha256(bytes(f.content)).hexdigest()
        assert f.size == len(bytes(f.content))
    assert sorted(result["sha256"]) == sorted(f.sha256 for f in files.values())
    # archived files never change: running the job again renders nothing
    assert tasks.render_report_files.call(report_id=report.pk) == {"sha256": []}
    f = files["pdf"]
    with pytest.raises(TypeError, match="cannot be changed"):
        f.save()
    with pytest.raises(TypeError, match="cannot be changed"):
        ReportFile.objects.filter(pk=f.pk).update(sha256="0" * 64)
    with pytest.raises(TypeError, match="cannot be deleted"):
        ReportFile.objects.filter(pk=f.pk).delete()
    # the published text is closed
    with pytest.raises(Conflict) as exc:
        services.report_sections_update(
            report_id=report.pk, problems_found="x", typical_cases="", acting_user=liaison
        )
    assert str(exc.value.message) == "This version is published; correct it to make a new version."
    # when corrected: a new draft version; version 1 stays published until v2 is published
    v2 = services.report_correct(report_id=report.pk, reason="城关区数据更正", acting_user=liaison)
    assert (v2.version, v2.state, v2.supersedes_id) == (2, "draft", report.pk)
    assert v2.problems_found == "部分窗口排队时间长"
    report.refresh_from_db()
    assert report.state == "published"
    with pytest.raises(Conflict):
        services.report_correct(report_id=report.pk, reason="again", acting_user=liaison)
    services.report_submit(report_id=v2.pk, acting_user=liaison)
    services.report_publish(report_id=v2.pk, acting_user=liaison)
    report.refresh_from_db()
    assert report.state == "superseded"
    # nothing is overwritten: version 1 and its files are still there
    assert ReportFile.objects.filter(report=report).count() == 2
    assert list(
        Report.objects.filter(period_key="2026-10")
        .values_list("version", "state")
        .order_by("version")
    ) == [(1, "superseded"), (2, "published")]
    types = list(report.events.values_list("type", flat=True))
    assert types == [
        "reporting.generated",
        "reporting.commented",
        "reporting.sections_edited",
        "reporting.submitted",
        "reporting.published",
        "reporting.file_archived",
        "reporting.file_archived",
        "reporting.corrected",
        "reporting.superseded",
    ]


def test_generate_twice_is_a_conflict_and_bad_period_is_refused(dataset, liaison):
    # given
    services.report_generate(kind="quarterly", period_key="2026Q4", acting_user=liaison)
    # when / then
    with pytest.raises(Conflict) as exc:
        services.report_generate(kind="quarterly", period_key="2026-Q4", acting_user=liaison)
    assert str(exc.value.message) == "This report already exists; correct it to make a new version."
    with pytest.raises(InvalidInput) as bad:
        services.report_generate(kind="quarterly", period_key="2026-13", acting_user=liaison)
    assert bad.value.extra == {"errors": {"period": ["This is not a period of the chosen type."]}}
    with pytest.raises(InvalidInput) as kind:
        services.report_generate(kind="weekly", period_key="2026-10", acting_user=liaison)
    assert kind.value.extra == {"errors": {"kind": ["Unknown report kind."]}}


def test_public_bulletin_text_refuses_personal_data(dataset, liaison):
    # given
    report = services.report_generate(
        kind="monthly_bulletin", period_key="2026-10", acting_user=liaison
    )
    # when / then
    with pytest.raises(InvalidInput) as exc:
        services.report_sections_update(
            report_id=report.pk,
            problems_found="市民 13912345678 反映排队",
            typical_cases="",
            acting_user=liaison,
        )
    assert exc.value.extra == {"errors": {"problems_found": ["The text contains a mobile number."]}}
    # the internal report may name the case
    internal = services.report_generate(
        kind="monthly_bad_reviews", period_key="2026-10", acting_user=liaison
    )
    services.report_sections_update(
        report_id=internal.pk,
        problems_found="540100-00000001",
        typical_cases="",
        acting_user=liaison,
    )


@pytest.mark.parametrize(
    "role", [Role.SUPERVISOR, Role.LEADER, Role.HANDLER, Role.WINDOW_STAFF, Role.REVIEWER]
)
def test_only_the_bureau_writes(dataset, role):
    # given
    user = make_user(f"u-{role}", role)
    # when / then
    with pytest.raises(PermissionDenied):
        services.report_generate(kind="monthly_bulletin", period_key="2026-10", acting_user=user)


def test_comment_needs_text(dataset, liaison):
    report = services.report_generate(kind="annual", period_key="2026", acting_user=liaison)
    with pytest.raises(InvalidInput) as exc:
        services.report_comment_add(report_id=report.pk, text="  ", acting_user=liaison)
    assert exc.value.extra == {"errors": {"text": ["Write a comment."]}}


def test_monthly_task_drafts_last_month_once(dataset, liaison):
    # given the scheduler's period key of November; when
    first = tasks.monthly_report.call(period="2026-11")
    again = tasks.monthly_report.call(period="2026-11")
    # then the October drafts exist once each
    reports = Report.objects.order_by("kind")
    assert [(r.kind, r.period_key, r.state) for r in reports] == [
        ("monthly_bad_reviews", "2026-10", "draft"),
        ("monthly_bulletin", "2026-10", "draft"),
    ]
    assert sorted(first["reports"]) == sorted(again["reports"])
    assert (
        Notification.objects.filter(recipient=liaison, message="reporting.draft_ready").count() == 2
    )


def test_periodic_registry_points_at_the_task():
    from haochaping.jobs.periodic import periodic_jobs

    job = next(j for j in periodic_jobs() if j.name == "monthly-report")
    assert job.load_task() is tasks.monthly_report
    assert job.pass_period
