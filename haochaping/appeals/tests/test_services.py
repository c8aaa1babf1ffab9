"""Appeal services: the notice, filing deadlines (across a holiday), routing, every outcome's
exact effect on ratings, rollups and the rectification, further review, permissions."""

import datetime as dt

import pytest
from django.db.models import Sum

from haochaping.appeals import services
from haochaping.appeals.enums import FiledFor, Outcome, RoutingBasis, Status
from haochaping.appeals.models import AppealEvent, RectificationNotice
from haochaping.appeals.tests.helpers import (
    EVALUATOR,
    MOBILE,
    at,
    bad_rating,
    decided,
    filed,
    rated_case,
    rectification_for,
)
from haochaping.core.exceptions import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from haochaping.notifications.messages import render
from haochaping.notifications.models import Notification, SmsMessage
from haochaping.ratings.enums import Channel, Level, Validity
from haochaping.ratings.models import Rating, RatingRollup
from haochaping.ratings.services import rating_submit
from haochaping.rectification import services as rect_services
from haochaping.rectification.enums import Resolution
from haochaping.rectification.enums import Status as RectStatus
from haochaping.rectification.models import Rectification
from haochaping.results.models import UnitDayCount

pytestmark = pytest.mark.django_db


def local(value):
    return value.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")


# --- the notice and the 3-working-day filing period -------------------------------------------


def test_the_notice_reaches_the_rated_staff_member_without_the_evaluator(org_tree, people, clock):
    # when a bad review of 扎西顿珠's service opens a rectification (Monday 10-12 09:00)
    r = rectification_for(org_tree)
    # then the notice is stored with the appeal period: 3 working days, to Thursday 18:00
    notice = RectificationNotice.objects.get(rectification=r)
    assert notice.staff == org_tree.staff
    assert local(notice.delivered_at) == "2026-10-12 09:00"
    assert local(notice.file_due_at) == "2026-10-15 18:00"
    # and the staff member's inbox has it, without the evaluator's name or mobile
    note = Notification.objects.get(recipient=people.staff, message="appeals.notice")
    text = render(note.message, note.params, language="en")
    assert text.body == (
        "A bad review of your service (居民身份证申领, 2026-10-12) is being "
        "rectified. If you believe it is mistaken, you may appeal in writing "
        "with evidence by 2026-10-15 18:00."
    )
    assert EVALUATOR not in str(note.params) and MOBILE[-4:] not in str(note.params)
    assert note.url == f"/appeals/file/{r.pk}/"


def test_filing_on_the_last_minute_across_the_national_day_holiday(org_tree, people, clock):
    # given a notice on Wednesday 09-30, the eve of the National Day holiday (10/1-10/7);
    # Saturday 10/10 is a make-up working day: 10/8, 10/9, 10/10 are the 3 working days
    clock.move_to(at("2026-09-30 10:00"))
    r = rectification_for(org_tree)
    assert local(RectificationNotice.objects.get(rectification=r).file_due_at) == "2026-10-10 18:00"
    # when the staff member files at 17:59 on the make-up Saturday
    clock.move_to(at("2026-10-10 17:59"))
    a = services.appeal_file(rectification_id=r.pk, reasons="群众误评", acting_user=people.staff)
    # then it is accepted, for the staff member, and the rectification's clocks stop
    assert (a.status, a.filed_for, a.staff) == (Status.PENDING, FiledFor.STAFF, org_tree.staff)
    r.refresh_from_db()
    assert r.is_paused
    assert r.pause_reason == f"Appeal {a.label} pending"


def test_a_late_filing_is_refused_with_the_deadline_that_passed(org_tree, people, clock):
    # given the same notice of 09-30 (period ended 10-10 18:00)
    clock.move_to(at("2026-09-30 10:00"))
    r = rectification_for(org_tree)
    # when the staff member files one minute late
    clock.move_to(at("2026-10-10 18:01"))
    with pytest.raises(InvalidTransition) as exc:
        services.appeal_file(rectification_id=r.pk, reasons="群众误评", acting_user=people.staff)
    # then it is refused, showing the deadline
    assert str(exc.value.message) == (
        "The appeal period ended on 2026-10-10 18:00 (3 working days after the rectification "
        "notice of 2026-09-30 10:00). A late appeal cannot be filed."
    )
    assert exc.value.extra == {
        "deadline": "2026-10-10T18:00:00+08:00",
        "delivered": "2026-09-30T10:00:00+08:00",
    }
    assert not r.__class__.objects.get(pk=r.pk).is_paused


def test_the_handler_files_for_the_unit_when_no_staff_member_was_rated(org_tree, people, clock):
    # given a bad review of a case without a staff member
    r = rectification_for(org_tree, case=rated_case(org_tree, staff=None))
    # when the unit's handler files
    a = filed(org_tree, people, rectification=r, by=people.handler)
    # then the appeal is the unit's
    assert (a.filed_for, a.staff, a.filed_by) == (FiledFor.UNIT, None, people.handler)


def test_one_appeal_per_bad_review(org_tree, people, clock):
    a = filed(org_tree, people)
    with pytest.raises(InvalidTransition) as exc:
        services.appeal_file(
            rectification_id=a.rectification_id, reasons="再次申请", acting_user=people.handler
        )
    assert str(exc.value.message) == (
        f"An appeal against this bad review was already filed ({a.label})."
    )


def test_reasons_are_required_and_evidence_is_checked(org_tree, people, clock):
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = rectification_for(org_tree)
    with pytest.raises(InvalidInput) as exc:
        services.appeal_file(rectification_id=r.pk, reasons="  ", acting_user=people.staff)
    assert exc.value.extra == {"errors": {"reasons": ["This field is required."]}}
    fake = SimpleUploadedFile("证据.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(InvalidInput) as exc:
        services.appeal_file(
            rectification_id=r.pk, reasons="误评", files=[fake], acting_user=people.staff
        )
    assert exc.value.extra == {
        "errors": {"files": ["证据.pdf: the content is not a JPEG, PNG or PDF file."]}
    }


# --- permissions ------------------------------------------------------------------------------


def test_who_may_file(org_tree, people, clock):
    r = rectification_for(org_tree)
    # another window staff member (not rated in this review): not found
    with pytest.raises(NotFound):
        services.appeal_file(rectification_id=r.pk, reasons="x", acting_user=people.other_staff)
    # a handler out of scope: not found
    with pytest.raises(NotFound):
        services.appeal_file(rectification_id=r.pk, reasons="x", acting_user=people.dx_handler)
    # a liaison or a reviewer: wrong role
    for user in (people.liaison, people.reviewer):
        with pytest.raises(PermissionDenied) as exc:
            services.appeal_file(rectification_id=r.pk, reasons="x", acting_user=user)
        assert str(exc.value.message) == "Your role may not do this: File an appeal."


def test_who_may_decide(org_tree, people, clock):
    a = filed(org_tree, people)
    # the rated staff member cannot decide their own appeal
    with pytest.raises(PermissionDenied):
        services.appeal_decide(
            appeal_id=a.pk, outcome="not_adopted", reason="x", acting_user=people.staff
        )
    # a reviewer of another county does not even see it
    with pytest.raises(NotFound):
        services.appeal_decide(
            appeal_id=a.pk, outcome="not_adopted", reason="x", acting_user=people.cg_reviewer
        )
    # the city bureau's reviewer sees nothing routed to the city government
    with pytest.raises(NotFound):
        services.appeal_decide(
            appeal_id=a.pk, outcome="upheld", reason="x", acting_user=people.bureau_reviewer
        )
    # bad input
    with pytest.raises(InvalidInput) as exc:
        services.appeal_decide(
            appeal_id=a.pk, outcome="maybe", reason="", acting_user=people.reviewer
        )
    assert exc.value.extra == {"errors": {"outcome": ["Choose an outcome."]}}


# --- routing ----------------------------------------------------------------------------------


def test_routing_defaults_supervising_department_or_service_administration(org_tree, people, clock):
    # a case handled at the police bureau's own office: its supervising department
    a = filed(org_tree, people)
    assert (a.reviewer_unit, a.routing_basis, a.in_service_centre) == (
        org_tree.city_gov,
        RoutingBasis.SUPERVISING_DEPARTMENT,
        False,
    )
    # a case handled at a window of the city service centre: the service administration there
    b = filed(org_tree, people, case=rated_case(org_tree, in_centre=True))
    assert (b.reviewer_unit, b.routing_basis, b.in_service_centre) == (
        org_tree.bureau,
        RoutingBasis.SERVICE_ADMINISTRATION,
        True,
    )


def test_the_routing_table_overrides_the_default_most_specific_first(org_tree, people, clock):
    from haochaping.accounts.enums import Role
    from haochaping.testing.builders import make_user

    admin = make_user("admin", Role.ADMIN)
    # a Lhasa-wide rule sends everything to the bureau; a unit rule sends police to city_gov
    services.routing_rule_set(
        region=org_tree.lhasa, reviewer_unit=org_tree.bureau, acting_user=admin
    )
    a = filed(org_tree, people)
    assert (a.reviewer_unit, a.routing_basis) == (org_tree.bureau, RoutingBasis.RULE)
    services.routing_rule_set(
        region=org_tree.lhasa,
        unit=org_tree.police,
        centre="elsewhere",
        reviewer_unit=org_tree.city_gov,
        acting_user=admin,
    )
    b = filed(org_tree, people)
    assert (b.reviewer_unit, b.routing_basis) == (org_tree.city_gov, RoutingBasis.RULE)
    # the unit rule is for items handled elsewhere: a centre item follows the region rule
    c = filed(org_tree, people, case=rated_case(org_tree, in_centre=True))
    assert c.reviewer_unit == org_tree.bureau
    # a unit cannot review itself; only admins edit the table
    with pytest.raises(InvalidInput) as exc:
        services.routing_rule_set(
            region=org_tree.lhasa,
            unit=org_tree.police,
            reviewer_unit=org_tree.police,
            acting_user=admin,
        )
    assert exc.value.extra == {
        "errors": {"reviewer_unit": ["A unit cannot review appeals about itself."]}
    }
    with pytest.raises(PermissionDenied):
        services.routing_rule_set(
            region=org_tree.lhasa, reviewer_unit=org_tree.bureau, acting_user=people.reviewer
        )


def test_pick_rule_is_most_specific_first():
    from types import SimpleNamespace as R

    from haochaping.appeals.routing import pick_rule

    depth = {1: 0, 2: 1, 3: 2}  # region ids: province, city, county
    rules = [
        R(pk=10, unit_id=None, region_id=1, centre="any"),
        R(pk=11, unit_id=None, region_id=2, centre="any"),
        R(pk=12, unit_id=None, region_id=2, centre="centre"),
        R(pk=13, unit_id=7, region_id=1, centre="any"),
        R(pk=14, unit_id=8, region_id=3, centre="any"),
        R(pk=15, unit_id=7, region_id=2, centre="elsewhere"),
        R(pk=16, unit_id=None, region_id=99, centre="any"),
    ]
    pick = lambda unit, centre, rs=rules: getattr(  # noqa: E731
        pick_rule(rs, unit_id=unit, in_centre=centre, region_depth=depth), "pk", None
    )
    assert pick(7, False) == 15  # its own unit rule for items elsewhere
    assert pick(7, True) == 13  # its own unit rule for any item (15 is for elsewhere)
    assert pick(9, True) == 12  # no unit rule: the deeper region, centre-specific
    assert pick(9, False) == 11
    assert pick(9, False, rules[:1]) == 10
    assert pick(9, False, rules[-1:]) is None


# --- the 7-working-day decision clock ---------------------------------------------------------


def test_the_decision_is_due_7_working_days_after_filing(org_tree, people, clock):
    # filed Monday 10-12 09:00: 10-13 … 10-21 are the 7 working days
    a = filed(org_tree, people)
    assert local(a.decision_due_at) == "2026-10-21 18:00"
    assert AppealEvent.objects.get(appeal=a, type="appeal.filed").payload["decision_due_at"] == (
        "2026-10-21T18:00:00+08:00"
    )
    # decided on the last day: on time; the figures say so
    clock.move_to(at("2026-10-21 17:00"))
    a = services.appeal_decide(
        appeal_id=a.pk, outcome="upheld", reason="评价属实", acting_user=people.reviewer
    )
    assert (a.decided_on_time, a.decision_overdue) == (True, False)


def test_a_late_decision_is_marked_overdue(org_tree, people, clock):
    a = filed(org_tree, people)
    clock.move_to(at("2026-10-22 09:00"))
    a = services.appeal_decide(
        appeal_id=a.pk, outcome="upheld", reason="评价属实", acting_user=people.reviewer
    )
    assert (a.decided_on_time, a.decision_overdue) == (False, True)


def test_the_deadline_sweep_reminds_then_escalates(org_tree, people, clock):
    from haochaping.appeals.deadlines import DecisionClock
    from haochaping.jobs.deadlines import run_deadline_sweep

    a = filed(org_tree, people)
    rule = DecisionClock()
    # at 80% of the window (filed 10-12 09:00, due 10-21 18:00): one reminder to the reviewer
    clock.move_to(at("2026-10-20 00:00"))
    report = run_deadline_sweep(rules=[rule])
    assert report.as_dict() == {"items": 1, "warnings": 1, "escalations": 0, "errors": 0}
    assert (
        Notification.objects.filter(recipient=people.reviewer, message="deadline.warning").count()
        == 1
    )
    # after the deadline: escalated, marked overdue, on the timeline
    clock.move_to(at("2026-10-21 18:01"))
    report = run_deadline_sweep(rules=[rule])
    assert report.escalations == 1
    a.refresh_from_db()
    assert a.decision_overdue is True
    event = AppealEvent.objects.get(appeal=a, type="appeal.deadline_escalated")
    assert event.payload == {
        "clock": "appeals.decision",
        "level": 1,
        "due_at": "2026-10-21T18:00:00+08:00",
    }
    # decided: out of the sweep
    services.appeal_decide(
        appeal_id=a.pk, outcome="upheld", reason="属实", acting_user=people.reviewer
    )
    assert run_deadline_sweep(rules=[rule]).items == 0


# --- outcomes and their exact effect on the figures ------------------------------------------


def _unit_total(unit):
    return RatingRollup.objects.filter(unit=unit).aggregate(n=Sum("count"))["n"] or 0


def _level_total(unit, level):
    return RatingRollup.objects.filter(unit=unit, level=level).aggregate(n=Sum("count"))["n"] or 0


def _results_total(unit, level=None):
    qs = UnitDayCount.objects.filter(unit=unit)
    if level:
        qs = qs.filter(level=level)
    return qs.aggregate(n=Sum("count"))["n"] or 0


def _background(tree):
    """Other ratings of the same unit: a good one and a second bad one."""
    rating_submit(
        level=Level.VERY_SATISFIED,
        channel=Channel.EVALUATOR,
        assessed_at=tree_now(),
        case=rated_case(tree),
    )
    bad_rating(tree)


def tree_now():
    from haochaping.core.clock import now

    return now()


def test_not_adopted_takes_exactly_that_rating_out_of_every_figure(org_tree, people, clock):
    # given three ratings of the police bureau: the appealed bad one, another bad one, a good one
    a = filed(org_tree, people)
    _background(org_tree)
    police = org_tree.police
    before = (
        _unit_total(police),
        _level_total(police, Level.VERY_DISSATISFIED),
        _level_total(police, Level.VERY_SATISFIED),
        _results_total(police),
        _results_total(police, Level.VERY_DISSATISFIED),
    )
    assert before == (3, 2, 1, 3, 2)
    # when the reviewer finds it a malicious rating
    a = services.appeal_decide(
        appeal_id=a.pk,
        outcome="not_adopted",
        reason="监控显示评价人未办理业务,系恶意评价",
        acting_user=people.reviewer,
    )
    # then the rating is excluded with the reason ...
    rating = Rating.objects.get(pk=a.rating_id)
    assert rating.validity == Validity.EXCLUDED
    assert rating.excluded_reason == f"{a.label}: 监控显示评价人未办理业务,系恶意评价"
    # ... and the counts drop by exactly that rating, nothing else
    after = (
        _unit_total(police),
        _level_total(police, Level.VERY_DISSATISFIED),
        _level_total(police, Level.VERY_SATISFIED),
        _results_total(police),
        _results_total(police, Level.VERY_DISSATISFIED),
    )
    assert after == (2, 1, 1, 2, 1)
    # the rectification closes as not adopted
    r = Rectification.objects.get(pk=a.rectification_id)
    assert (r.status, r.is_paused) == (RectStatus.WITHDRAWN, False)
    # the citizen is told in neutral words
    sms = SmsMessage.objects.get(message="appeals.citizen_not_adopted")
    assert sms.language == "zh-hans"
    assert sms.body == (
        "【好差评】您于2026-10-12对“居民身份证申领”的评价经按评价规则核查，"
        "不计入评价结果。感谢您的反馈。"
    )
    assert render(
        "appeals.citizen_not_adopted",
        {"item": "居民身份证申领", "day": "2026-10-12"},
        language="en",
    ).body == (
        "[Good/Bad Review] Your review of 居民身份证申领 on 2026-10-12 was checked under the "
        "rating rules and will not be counted in the results. Thank you for your feedback."
    )
    assert "malicious" not in sms.body and "恶意" not in sms.body
    assert (a.status, a.outcome, a.final_outcome) == (
        Status.DECIDED,
        Outcome.NOT_ADOPTED,
        Outcome.NOT_ADOPTED,
    )
    assert a.further_request_due_at is None
    # the appellant hears the outcome
    assert (
        Notification.objects.filter(recipient=people.staff, message="appeals.decided").count() == 1
    )


def test_upheld_leaves_every_figure_and_the_rectification_goes_on(org_tree, people, clock):
    a = filed(org_tree, people)
    _background(org_tree)
    police = org_tree.police
    before = (_unit_total(police), _results_total(police))
    r = Rectification.objects.get(pk=a.rectification_id)
    contact_due = r.contact_due_at
    # when upheld two working days later (Wednesday)
    clock.move_to(at("2026-10-14 10:00"))
    a = services.appeal_decide(
        appeal_id=a.pk, outcome="upheld", reason="评价属实", acting_user=people.reviewer
    )
    # then the counts do not move, the rating stays valid
    assert (_unit_total(police), _results_total(police)) == before
    assert Rating.objects.get(pk=a.rating_id).validity == Validity.VALID
    # the clocks resume, moved by the 2 working days paused
    r.refresh_from_db()
    assert (r.status, r.is_paused, r.paused_workdays) == (RectStatus.NEW, False, 2)
    assert local(r.contact_due_at) == "2026-10-15 18:00"
    assert local(contact_due) == "2026-10-13 18:00"
    # a further review may be asked for 3 working days
    assert local(a.further_request_due_at) == "2026-10-19 18:00"
    assert not SmsMessage.objects.filter(message__startswith="appeals.citizen").exists()


def test_explanation_goes_to_the_citizen_and_becomes_the_feedback(org_tree, people, clock):
    r = rectification_for(org_tree)
    rect_services.rectification_contact(
        rectification_id=r.pk, note="已联系", acting_user=people.handler
    )
    a = filed(org_tree, people, rectification=r)
    before = _unit_total(org_tree.police)
    # when the reviewer finds the citizen's demand has no legal basis
    a = services.appeal_decide(
        appeal_id=a.pk,
        outcome="explanation",
        reason="身份证申领须本人到场采集指纹,依法不能代办。",
        acting_user=people.reviewer,
    )
    # then the rating still counts
    assert _unit_total(org_tree.police) == before
    # the explanation goes to the citizen by SMS
    sms = SmsMessage.objects.get(message="appeals.citizen_explanation")
    assert sms.phone_masked == "139****5678"
    assert sms.dedup_key == f"appeal:{a.pk}:decision"
    # and is the rectification's feedback: on to the liaison's callback
    r.refresh_from_db()
    assert (r.status, r.resolution, r.is_paused) == (
        RectStatus.FEEDBACK_GIVEN,
        Resolution.EXPLAINED,
        False,
    )


def test_the_citizen_sms_is_in_their_language(org_tree, people, clock):
    a = filed(org_tree, people, language="bo")
    services.appeal_decide(
        appeal_id=a.pk, outcome="not_adopted", reason="误评", acting_user=people.reviewer
    )
    sms = SmsMessage.objects.get(message="appeals.citizen_not_adopted")
    assert sms.language == "bo"
    assert (
        sms.body
        == render(
            "appeals.citizen_not_adopted",
            {"item": "居民身份证申领", "day": "2026-10-12"},
            language="bo",
        ).body
    )


# --- further review ---------------------------------------------------------------------------


def test_further_review_by_the_city_bureau_can_set_the_rating_aside(org_tree, people, clock):
    a = decided(org_tree, people, "upheld")
    police_before = _unit_total(org_tree.police)
    # when the staff member asks for a further review the next day
    clock.move_to(at("2026-10-13 10:00"))
    a = services.appeal_request_further(
        appeal_id=a.pk, reason="复核未调取监控", acting_user=people.staff
    )
    # then the city bureau has 7 working days
    assert (a.status, a.further_unit) == (Status.FURTHER_REVIEW, org_tree.bureau)
    assert local(a.further_due_at) == "2026-10-22 18:00"
    assert (
        Notification.objects.filter(
            recipient=people.bureau_reviewer, message="appeals.further_requested"
        ).count()
        == 1
    )
    # the first reviewer may not decide the further review
    with pytest.raises(PermissionDenied) as exc:
        services.appeal_decide_further(
            appeal_id=a.pk, outcome="upheld", reason="x", acting_user=people.reviewer
        )
    assert str(exc.value.message) == (
        "The further review must be decided by someone other than the first reviewer."
    )
    # when the bureau finds it a mis-rating
    a = services.appeal_decide_further(
        appeal_id=a.pk,
        outcome="not_adopted",
        reason="监控证实误评",
        acting_user=people.bureau_reviewer,
    )
    # then it is final and the rating leaves the counts
    assert (a.status, a.outcome, a.further_outcome, a.final_outcome) == (
        Status.FINAL,
        Outcome.UPHELD,
        Outcome.NOT_ADOPTED,
        Outcome.NOT_ADOPTED,
    )
    assert _unit_total(org_tree.police) == police_before - 1
    assert Rectification.objects.get(pk=a.rectification_id).status == RectStatus.WITHDRAWN
    # only one further review
    with pytest.raises(InvalidTransition):
        services.appeal_request_further(appeal_id=a.pk, reason="再次", acting_user=people.staff)


def test_further_review_only_after_a_lost_appeal_and_in_time(org_tree, people, clock):
    a = decided(org_tree, people, "not_adopted")
    with pytest.raises(InvalidTransition) as exc:
        services.appeal_request_further(appeal_id=a.pk, reason="x", acting_user=people.staff)
    assert str(exc.value.message) == "The rating was set aside; there is nothing to review further."
    b = decided(org_tree, people, "explanation")
    clock.move_to(at("2026-10-15 18:01"))  # decided 10-12: 3 working days ran to 10-15 18:00
    with pytest.raises(InvalidTransition) as exc:
        services.appeal_request_further(appeal_id=b.pk, reason="x", acting_user=people.staff)
    assert str(exc.value.message) == "A further review could be asked for until 2026-10-15 18:00."
    # another staff member may not ask
    c = decided(org_tree, people, "upheld")
    with pytest.raises(NotFound):
        services.appeal_request_further(appeal_id=c.pk, reason="x", acting_user=people.other_staff)


def test_a_further_review_confirming_the_outcome_changes_nothing(org_tree, people, clock):
    a = decided(org_tree, people, "upheld")
    a = services.appeal_request_further(appeal_id=a.pk, reason="再查", acting_user=people.handler)
    total = _unit_total(org_tree.police)
    a = services.appeal_decide_further(
        appeal_id=a.pk, outcome="upheld", reason="维持", acting_user=people.liaison
    )
    assert (a.status, a.final_outcome) == (Status.FINAL, Outcome.UPHELD)
    assert _unit_total(org_tree.police) == total
    assert Rating.objects.get(pk=a.rating_id).validity == Validity.VALID


# --- figures ----------------------------------------------------------------------------------


def test_figures_by_unit_and_by_reviewer(org_tree, people, clock):
    from haochaping.accounts.enums import Role
    from haochaping.appeals.selectors import appeal_figures
    from haochaping.testing.builders import make_user

    decided(org_tree, people, "not_adopted")
    decided(org_tree, people, "upheld")
    filed(org_tree, people, case=rated_case(org_tree, in_centre=True))  # to the bureau, pending
    late = filed(org_tree, people)
    clock.move_to(at("2026-10-22 09:00"))
    services.appeal_decide(
        appeal_id=late.pk, outcome="explanation", reason="依法解释", acting_user=people.reviewer
    )
    admin = make_user("admin", Role.ADMIN, scope_region=org_tree.lhasa)
    by_unit = appeal_figures(admin)
    assert [r["unit"] for r in by_unit["rows"]] == ["拉萨市公安局"]
    assert by_unit["totals"] == {
        "filed": 4,
        "pending": 1,
        "decided": 3,
        "decided_on_time": 2,
        "decided_late": 1,
        "overdue": 1,
        "upheld": 1,
        "explanation": 1,
        "not_adopted": 1,
        "further_requested": 0,
        "further_decided": 0,
        "further_changed": 0,
    }
    by_reviewer = {r["unit"]: r for r in appeal_figures(admin, by="reviewer")["rows"]}
    assert {k: (v["filed"], v["pending"], v["decided"]) for k, v in by_reviewer.items()} == {
        "拉萨市人民政府": (3, 0, 3),
        "拉萨市行政审批和便民服务局": (1, 1, 0),
    }
    # a reviewer sees only what is routed to them
    assert appeal_figures(people.bureau_reviewer)["totals"]["filed"] == 1
    # the rated staff member's scope: own appeals only (figures are for managers: see the API)
    assert appeal_figures(people.other_staff)["totals"]["filed"] == 0


def test_missing_notices_are_delivered_from_the_opening(org_tree, people, clock):
    import io

    from django.core.management import call_command

    r = rectification_for(org_tree)
    RectificationNotice.objects.filter(rectification=r).delete()  # as if opened before the app
    out = io.StringIO()
    call_command("appeals_deliver_notices", stdout=out)
    assert out.getvalue() == "1 notices delivered.\n"
    notice = RectificationNotice.objects.get(rectification=r)
    assert (local(notice.delivered_at), local(notice.file_due_at)) == (
        "2026-10-12 09:00",
        "2026-10-15 18:00",
    )
    call_command("appeals_deliver_notices", stdout=out)
    assert RectificationNotice.objects.filter(rectification=r).count() == 1


def test_a_closed_rectification_stays_closed_when_the_rating_is_not_adopted(
    org_tree, people, clock
):
    from haochaping.rectification.tests.helpers import advance

    # given a bad review fixed and closed within the appeal period
    r = advance(
        rectification_for(org_tree),
        RectStatus.CLOSED,
        handler=people.handler,
        liaison=people.liaison,
    )
    total = _unit_total(org_tree.police)
    # when the staff member still appeals and the rating is set aside
    a = filed(org_tree, people, rectification=r)
    assert a.paused_rectification is False
    services.appeal_decide(
        appeal_id=a.pk, outcome="not_adopted", reason="误评", acting_user=people.reviewer
    )
    # then the rating leaves the counts; the closed rectification keeps its history
    assert _unit_total(org_tree.police) == total - 1
    assert Rectification.objects.get(pk=r.pk).status == RectStatus.CLOSED


def test_explanation_before_contact_leaves_the_explaining_to_the_handler(org_tree, people, clock):
    a = decided(org_tree, people, "explanation")
    r = Rectification.objects.get(pk=a.rectification_id)
    assert (r.status, r.is_paused, r.resolution) == (RectStatus.NEW, False, "")
    assert SmsMessage.objects.filter(message="appeals.citizen_explanation").count() == 1
