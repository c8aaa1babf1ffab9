"""``rectification_open_many`` (the bulk importer's set-based opening) writes exactly what
``rectification_open`` writes one rating at a time: every field of every row it causes.

The side rows written per batch (audit rows, inbox messages and their SMS) come in another
order, so their ids differ: those tables are compared as sets of rows, without ids, with an
SMS's ``n<notification id>`` key replaced by that message's row (:func:`_canonical`)."""

import json

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from haochaping.accounts.enums import Role
from haochaping.appeals.models import RectificationNotice
from haochaping.audit.models import AuditRecord
from haochaping.notifications.models import Notification, SmsMessage
from haochaping.ratings.models import Rating
from haochaping.rectification.enums import Status
from haochaping.rectification.models import Rectification, RectificationEvent
from haochaping.rectification.services import (
    rectification_open,
    rectification_open_many,
    rectification_withdraw,
)
from haochaping.rectification.tests.helpers import bad_rating, completed_case
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db

# every table an opening writes to, directly or through its receivers
WRITTEN = [Rectification, RectificationEvent, RectificationNotice, Notification, SmsMessage]
AUDITED = [AuditRecord]


def _marks() -> dict:
    return {
        m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
        for m in WRITTEN + AUDITED
    }


def _rows(marks: dict) -> dict:
    """Every row written since ``marks``, all fields (ids included), in id order."""
    rows = {
        m.__name__: list(m.objects.filter(pk__gt=mark).order_by("pk").values())
        for m, mark in marks.items()
    }
    rows["jobs"] = sorted(
        (r.task_path, json.dumps(r.args_kwargs, sort_keys=True)) for r in DBTaskResult.objects.all()
    )
    return rows


REORDERED = ["AuditRecord", "Notification", "SmsMessage"]


def _canonical(rows: dict) -> dict:
    """The rows, with the tables written per batch as sorted lists of rows without ids."""
    rows = dict(rows)

    def key(row: dict) -> str:
        return json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)

    notes = {n["id"]: {k: v for k, v in n.items() if k != "id"} for n in rows["Notification"]}
    for sms in rows["SmsMessage"]:
        if sms["dedup_key"].startswith("n") and int(sms["dedup_key"][1:]) in notes:
            sms["dedup_key"] = key(notes[int(sms["dedup_key"][1:])])
    for name in REORDERED:
        rows[name] = sorted(
            ({k: v for k, v in r.items() if k != "id"} for r in rows[name]), key=key
        )
    return rows


def _sequences(models) -> dict:
    """Where each table's id sequence stands (PostgreSQL; SQLite's AUTOINCREMENT counters roll
    back with the transaction)."""
    if connection.vendor != "postgresql":
        return {}
    state = {}
    with connection.cursor() as cur:
        for model in models:
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            (name,) = cur.fetchone()
            cur.execute(f"SELECT last_value, is_called FROM {name}")  # noqa: S608
            state[name] = cur.fetchone()
    return state


def _rewind(sequences: dict) -> None:
    """After a rollback: PostgreSQL sequences do not roll back, so put them where they were."""
    with connection.cursor() as cur:
        for name, (value, called) in sequences.items():
            cur.execute("SELECT setval(%s, %s, %s)", [name, value, called])


def _both_ways(open_them) -> tuple[dict, dict]:
    """The rows written by opening one by one, then (rolled back and rewound) by ``open_them``."""
    marks = _marks()
    sequences = _sequences(marks)
    sid = transaction.savepoint()
    one_by_one = [rectification_open(rating=r) for r in open_them.ratings]
    first = _rows(marks)
    transaction.savepoint_rollback(sid)
    _rewind(sequences)
    many = rectification_open_many(ratings=open_them.ratings)
    second = _rows(marks)
    assert [r.pk for r in many] == [r.pk for r in one_by_one]
    return _canonical(first), _canonical(second)


class _Ratings:
    def __init__(self, ratings):
        self.ratings = ratings


def test_open_many_writes_what_opening_one_by_one_writes(org_tree, people, clock):
    # given: the rated staff member has an account (the appeals notice reaches them), and bad
    # ratings of every routing kind: a case of the police bureau (unit handler), a case handled
    # by Chengguan's sub-bureau (region handler), a 综合点评 naming a unit, an anonymous one, and
    # one of a unit nobody handles (Damxung's government: its county handler)
    make_user("window-zhaxi", Role.WINDOW_STAFF, scope_unit=org_tree.police, staff=org_tree.staff)
    staffed = completed_case(org_tree, staff=org_tree.staff, window=org_tree.window)
    ratings = [
        bad_rating(org_tree, case=staffed),
        bad_rating(org_tree, case=completed_case(org_tree, unit=org_tree.cg_police)),
        bad_rating(org_tree, unit=org_tree.cg_police),
        bad_rating(org_tree, anonymous=True),
        bad_rating(org_tree, unit=org_tree.dx_gov, level="dissatisfied"),
    ]
    # ... whose first rectifications were withdrawn, so each can be opened again
    for r in Rectification.objects.filter(rating__in=ratings):
        rectification_withdraw(rectification_id=r.pk, note="复核不予采纳", acting_user=None)
    # when
    first, second = _both_ways(_Ratings(ratings))
    # then: the same rows, field by field (ids included but for the tables written per batch)
    assert second == first
    assert len(first["Rectification"]) == 5
    assert len(first["RectificationEvent"]) == 5
    assert len(first["RectificationNotice"]) == 5
    assert len(first["Notification"]) >= 6  # handlers of every item, the rated staff member
    assert {a["object_type"] for a in first["AuditRecord"]} >= {
        "rectification.rectification",
        "rectification.rectificationevent",
        "appeals.rectificationnotice",
    }


def test_open_many_returns_the_open_ones_and_opens_each_rating_once(org_tree, people, clock):
    # given two bad ratings with their rectifications open
    a, b = bad_rating(org_tree), bad_rating(org_tree)
    before = list(Rectification.objects.order_by("pk"))
    # when the list names them (one twice)
    opened = rectification_open_many(ratings=[b, a, b])
    # then nothing new: the open ones come back, once per rating, in the given order
    assert [r.rating_id for r in opened] == [b.pk, a.pk]
    assert list(Rectification.objects.order_by("pk")) == before
    assert rectification_open_many(ratings=[]) == []
    assert all(r.status == Status.NEW for r in opened)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY fast path is PostgreSQL's")
def test_importing_a_file_both_ways_opens_the_same_rectifications(
    org_tree, people, clock, tmp_path
):
    from haochaping.ratings.importer import ratings_import
    from haochaping.ratings.tests.helpers import record

    # given a file of ratings of several units, a third of them bad, and a 综合点评
    make_user("window-zhaxi", Role.WINDOW_STAFF, scope_unit=org_tree.police, staff=org_tree.staff)
    cases = [
        completed_case(
            org_tree, unit=unit, staff=org_tree.staff if unit == org_tree.police else None
        )
        for unit in [org_tree.police, org_tree.cg_police, org_tree.dx_gov] * 3
    ]
    lines = [
        record(c, satisfaction=1, evalDetail="115") if n % 3 == 0 else record(c)
        for n, c in enumerate(cases)
    ]
    lines.append(
        {
            **record(cases[0], satisfaction=2, evalDetail="214"),
            "projectNo": "",
            "taskCode": "",
            "deptCode": org_tree.cg_police.credit_code,
        }
    )
    path = tmp_path / "both.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    marks = {
        **_marks(),
        Rating: Rating.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    }

    def imported(fast: bool) -> dict:
        report = ratings_import(path, chunk_size=4, fast_path=fast, restart=True)
        assert (report.imported, report.failed) == (len(lines), 0)
        new = Rating.objects.filter(pk__gt=marks[Rating])
        receipts = dict(new.values_list("receipt", "idempotency_key"))
        rows = {
            m.__name__: list(m.objects.filter(pk__gt=marks[m]).order_by("pk").values())
            for m in WRITTEN
        }
        rows["AuditRecord"] = list(
            AuditRecord.objects.filter(
                pk__gt=marks[AuditRecord],
                object_type__in=[
                    "rectification.rectification",
                    "rectification.rectificationevent",
                    "appeals.rectificationnotice",
                ],
            )
            .order_by("pk")
            .values("id", "action", "object_type", "object_id", "object_repr", "changes")
        )
        # each import gives the same line the same id (sequences rewound) but a new random
        # receipt code: name the rating by its idempotency key (derived from the line) instead
        return _canonical(_swap(rows, receipts))

    # when the file is imported record by record (rating_submit), rolled back, then on the
    # COPY fast path (set-based opening)
    sequences = _sequences(marks)
    sid = transaction.savepoint()
    generic = imported(False)
    transaction.savepoint_rollback(sid)
    _rewind(sequences)
    fast = imported(True)
    # then the same rectifications, timelines, notices, messages and audit rows
    assert len(generic["Rectification"]) == 4
    assert len(generic["RectificationNotice"]) == 4
    assert generic["Notification"]
    for name in generic:
        assert fast[name] == generic[name], name


def _swap(rows: dict, receipts: dict) -> dict:
    text = json.dumps(rows, ensure_ascii=False, default=str, sort_keys=True)
    for receipt, key in receipts.items():
        text = text.replace(receipt, key)
    return json.loads(text)
