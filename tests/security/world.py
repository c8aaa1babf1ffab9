"""The access-matrix world: every kind of protected object, all of it in county A (Chengguan).

Each role has two users: one scoped to county A (the objects are in scope) and one scoped to
county B (Damxung: the same objects are out of scope). Everything goes through the services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from haochaping.accounts.enums import Role
from haochaping.cases.enums import ApplyChannel
from haochaping.core.clock import now, today
from haochaping.org.enums import UnitKind
from haochaping.org.services import hall_create, staff_create, unit_create, window_create
from haochaping.testing.builders import build_org_tree, make_case, make_credit_code, make_user

PDF = b"%PDF-1.4\n" + b"0" * 64
EVALUATOR_MOBILE = "13912345678"


@dataclass
class World:
    tree: Any
    users: dict[tuple[str, str], Any]  # (role, "in" | "out") -> User
    objects: dict[str, Any] = field(default_factory=dict)  # URL kwarg kind -> value (in county A)
    markers: dict[str, list[str]] = field(default_factory=dict)  # list checks: kind -> strings
    secrets: dict[str, str] = field(default_factory=dict)
    owner: str = ""


def _bad_rating(case, *, mobile: str = EVALUATOR_MOBILE):
    from haochaping.ratings.enums import Channel, Level
    from haochaping.ratings.services import rating_submit

    return rating_submit(
        level=Level.VERY_DISSATISFIED,
        channel=Channel.EVALUATOR,
        assessed_at=now(),
        case=case,
        text="窗口态度生硬",
        option_codes=[],
        evaluator_name="卓玛",
        evaluator_mobile=mobile,
        language="zh-hans",
    ).rating


def build_world() -> World:
    from haochaping.appeals import services as appeals
    from haochaping.channels.services import device_create, rating_link_create
    from haochaping.coverage import services as coverage
    from haochaping.coverage.enums import CommentSource, SampleKind, Stratum, SubjectKind
    from haochaping.integrity.checks import Finding as IntegrityFinding
    from haochaping.integrity.checks import RepeatedTextCheck
    from haochaping.integrity.enums import Outcome
    from haochaping.integrity.models import Review
    from haochaping.integrity.services import findings_record
    from haochaping.notifications.models import Notification
    from haochaping.ratings.enums import Level
    from haochaping.rectification.models import Rectification
    from haochaping.rectification.services import rectification_evidence_add
    from haochaping.workdays.models import CalendarEntry

    t = build_org_tree()
    # County A's own service administration: appeals about its hall are reviewed inside county A
    unit_create(
        name="城关区政务服务管理局",
        kind=UnitKind.DEPARTMENT,
        credit_code=make_credit_code("540102", 9901),
        region=t.chengguan,
        parent=t.cg_gov,
        is_service_administration=True,
    )
    hall = hall_create(name="城关区政务服务中心", region=t.chengguan, operator=t.cg_gov)
    window = window_create(hall=hall, number="C01", name="户籍窗口", unit=t.cg_police)
    staff = staff_create(
        unit=t.cg_police, name="次仁卓嘎", staff_no="C001", window=window, mobile="13800000101"
    )
    dx_hall = hall_create(name="当雄县政务服务中心", region=t.damxung, operator=t.dx_gov)
    dx_window = window_create(hall=dx_hall, number="D01", name="综合窗口", unit=t.dx_gov)
    dx_staff = staff_create(
        unit=t.dx_gov, name="拉巴", staff_no="D001", window=dx_window, mobile="13800000201"
    )

    users: dict[tuple[str, str], Any] = {}
    for role in Role:
        for side, region in (("in", t.chengguan), ("out", t.damxung)):
            extra: dict[str, Any] = {"scope_region": region}
            if role == Role.WINDOW_STAFF:
                extra["staff"] = staff if side == "in" else dx_staff
            users[(role.value, side)] = make_user(f"{role.value}-{side}", role, **extra)
    w = World(tree=t, users=users)

    def case(**kw: Any):
        done = now() - dt.timedelta(hours=2)
        fields = {
            "item_key": "cg_hukou",
            "accepted_at": done - dt.timedelta(days=1),
            "completed_at": done,
            "window": window,
            "staff": staff,
        }
        fields.update(kw)
        return make_case(t, **fields)

    # cases, ratings, rectifications (a bad review opens one and tells the unit's handler)
    rated = case()
    rating = _bad_rating(rated)
    rect = Rectification.objects.get(rating=rating)
    evidence = rectification_evidence_add(
        rectification_id=rect.pk,
        files=[SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf")],
        acting_user=users[("handler", "in")],
    )[0]
    # an appeal by the rated staff member, with evidence
    appeal = appeals.appeal_file(
        rectification_id=rect.pk,
        reasons="该群众办理时材料不全,已一次性告知",
        acting_user=users[("window_staff", "in")],
        files=[SimpleUploadedFile("appeal.pdf", PDF, content_type="application/pdf")],
    )
    appeal_evidence = appeal.evidence.first()
    # a second bad review whose rectification has no appeal yet (the appeal form)
    rect2 = Rectification.objects.get(rating=_bad_rating(case(), mobile="13912345679"))
    unrated = case()
    _link, token = rating_link_create(case=unrated)
    w.secrets["token"] = token
    # coverage: an unrated online case gets a supplementary task
    online = case(
        apply_channel=ApplyChannel.ONLINE,
        window=None,
        accepted_at=now() - dt.timedelta(days=9),
        completed_at=now() - dt.timedelta(days=8),
    )
    coverage.supplementary_tasks_create()
    task = coverage.SupplementaryTask.objects.get(case=online)
    supervisor = users[("supervisor", "in")]
    comment = coverage.comment_register(
        source=CommentSource.SUGGESTION_BOX,
        subject_kind=SubjectKind.UNIT,
        unit=t.cg_police,
        text="户籍窗口排队太久",
        acting_user=users[("liaison", "in")],
    )
    sample = coverage.sample_draw(
        kind=SampleKind.CALLBACK,
        name="城关回访抽样",
        strata=[Stratum.UNIT],
        per_stratum=5,
        since=today() - dt.timedelta(days=30),  # local dates, as ratings are sampled
        until=today(),
        acting_user=supervisor,
        unit=t.cg_police,
        seed=7,
    )
    entry = sample.entries.first()
    visit = coverage.visit_record(
        unit=t.cg_police,
        visited_at=now() - dt.timedelta(hours=3),
        scenario="办理户口迁移",
        findings="窗口人员离岗",
        level=Level.DISSATISFIED,
        acting_user=supervisor,
        hall=hall,
    )
    action = coverage.follow_up_add(
        visit_id=visit.pk,
        description="整改离岗",
        unit=t.cg_police,
        due_date=today() + dt.timedelta(days=7),
        acting_user=supervisor,
    )
    # integrity: a flagged rating of the unit
    review = findings_record(
        rating=rating,
        findings=[
            (
                RepeatedTextCheck(),
                IntegrityFinding(
                    outcome=Outcome.FLAG,
                    score=0.9,
                    details={"count": 3, "days": 7, "excerpt": "窗口态度生硬"},
                ),
            )
        ],
    )
    assert Review.objects.filter(pk=review.pk).exists()
    # a tablet of the county's window
    device, _code = device_create(
        window=window, name="C01 评价器", acting_user=users[("liaison", "in")]
    )
    notification = Notification.objects.filter(recipient=users[("handler", "in")]).first()

    w.objects = {
        "projectNo": rated.project_no,
        "receipt": rating.receipt,
        "rating_pk": rating.pk,
        "rectification_id": rect.pk,
        "rectification_id:fileable": rect2.pk,
        "evidence_id:rectification": evidence.pk,
        "appeal_id": appeal.pk,
        "evidence_id:appeal": appeal_evidence.pk,
        "window": window.pk,
        "task_id": task.pk,
        "comment_id": comment.pk,
        "sample_id": sample.pk,
        "entry_id:sample": entry.pk if entry else 0,
        "visit_id": visit.pk,
        "action_id": action.pk,
        "review_id": review.pk,
        "unit_id": t.cg_police.pk,
        "code": t.chengguan.code,
        "device_id": device.pk,
        "notification_id": notification.pk if notification else 0,
        "token": token,
        "workdays_entry": getattr(CalendarEntry.objects.first(), "pk", 0),
        "reference": comment.reference,
    }
    # strings that name the objects: a response to a user out of scope shows none of them; the
    # list pages show at least one of their kind to a user in scope
    w.markers = {
        "case": [rated.project_no, online.project_no, unrated.project_no],
        "rectification": [
            f"/rectification/{rect.pk}/",
            f"/appeals/file/{rect2.pk}/",
            rated.project_no,
        ],
        "appeal": [f"/appeals/{appeal.pk}/", "该群众办理时材料不全"],
        "task": [f"/coverage/tasks/{task.pk}/", online.project_no],
        "comment": [comment.reference, "户籍窗口排队太久"],
        "sample": [f"/coverage/samples/{sample.pk}/", "城关回访抽样"],
        "visit": [f"/coverage/visits/{visit.pk}/", "窗口人员离岗"],
        "review": [f"/integrity/reviews/{review.pk}/"],
        "device": ["C01 评价器"],
        "staff": [staff.name],
    }
    w.owner = "handler-in"  # the notification's recipient
    return w
