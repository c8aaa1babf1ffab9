"""The fast path on two connections: the same outcome as on one, commits in file order.

Real threads and connections, so these tests commit (``transaction=True``)."""

import json

import pytest
from django.db import DatabaseError, connection

from haochaping.ratings import importer
from haochaping.ratings.importer import ratings_import
from haochaping.ratings.models import Rating, RatingEvent, RatingRollup
from haochaping.ratings.tests.helpers import completed_case, record
from haochaping.rectification.models import Rectification
from haochaping.testing.builders import build_org_tree

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY fast path only"),
    pytest.mark.django_db(transaction=True),
]

# Compared between the two runs: everything a line decides (not ids, cases, receipts, times).
FIELDS = (
    "stage",
    "assess_number",
    "level",
    "option_codes",
    "text",
    "channel",
    "is_paper",
    "is_staff_entered",
    "evaluator_name",
    "evaluator_mobile",
    "validity",
    "is_public",
)


def _lines(tree, key: str) -> list:
    """Five chunks of three whose rules reach across chunks (a case, an idempotency key and a
    follow-up in a later chunk than their first line), and two chunks sharing nothing."""
    a, b, c, d, e, f, g, h, i, j = (completed_case(tree) for _n in range(10))
    return [
        record(a),  # 1
        record(b, satisfaction=1, evalDetail="115"),  # 2 bad review
        record(c, idempotencyKey=key),  # 3
        record(a, satisfaction=4, evalDetail="413"),  # 4 already rated (line 1)
        record(b, satisfaction=4, evalDetail="413", assessNumber=2),  # 5 follow-up of line 2
        record(c, idempotencyKey=key),  # 6 replay of line 3
        record(d, idempotencyKey=key),  # 7 conflict: the key of line 3, another case
        record(e, pf="6", staffEntered="1"),  # 8
        "{not json",  # 9
        record(f),  # 10
        record(g, satisfaction=2, evalDetail="214"),  # 11 bad review
        record(h, paperForm="1", pf="1"),  # 12
        record(i),  # 13
        {  # 14 a rating without a case
            **record(i, satisfaction=3, evalDetail="314"),
            "projectNo": "",
            "taskCode": "",
            "deptCode": tree.police.credit_code,
        },
        record(j, satisfaction=1, evalDetail="115"),  # 15 bad review
    ]


def _write(path, lines) -> None:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
        + "\n"
    )


def _outcome(path, report, ids_before: int) -> dict:
    errors = [json.loads(x) for x in (path.parent / (path.name + ".errors.jsonl")).open()]
    new = Rating.objects.filter(pk__gt=ids_before).order_by("pk")
    return {
        "counts": (report.imported, report.replayed, report.failed, report.lines),
        "errors": errors,
        "ratings": [tuple(getattr(r, f) for f in FIELDS) for r in new],
        "events": RatingEvent.objects.filter(rating__in=new).count(),
        "rectifications": Rectification.objects.filter(rating_id__in=new.values("pk")).count(),
    }


def _last_id() -> int:
    return Rating.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_two_connections_import_as_one_does(tmp_path, monkeypatch):
    # given the same lines, over other cases, in two files
    tree = build_org_tree()
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    _write(one, _lines(tree, "key-for-one"))
    _write(two, _lines(tree, "key-for-two"))
    turns = []
    chunk_turn = importer._chunk_turn
    monkeypatch.setattr(
        importer, "_chunk_turn", lambda *a: turns.append(a[1] is not None) or chunk_turn(*a)
    )
    # when one is imported on one connection, two on two
    before = _last_id()
    report = ratings_import(one, chunk_size=3, fast_path=True, connections=1)
    sequential = _outcome(one, report, before)
    assert turns == []
    before = _last_id()
    report = ratings_import(two, chunk_size=3, fast_path=True, connections=2)
    parallel = _outcome(two, report, before)
    # then: the chunks ran in turns (the first without a previous one; the two connections'
    # threads record their turns in whichever order they start), with the same results, error
    # report and hooks
    assert sorted(turns) == [False, True, True, True, True]
    assert sequential["counts"] == (11, 1, 3, 15)
    assert [(e["line"], e["code"]) for e in sequential["errors"]] == [
        (4, "already_rated"),
        (7, "conflict"),
        (9, "invalid_input"),
    ]
    assert (sequential["events"], sequential["rectifications"]) == (3, 3)
    assert parallel == sequential
    assert sum(RatingRollup.objects.values_list("count", flat=True)) == Rating.objects.count()


def test_a_failed_chunk_rolls_back_the_chunks_after_it(tmp_path, monkeypatch):
    # given 12 lines in chunks of 3, the third chunk's insert failing
    tree = build_org_tree()
    cases = [completed_case(tree) for _n in range(12)]
    path = tmp_path / "fail.jsonl"
    _write(path, [record(c) for c in cases])
    calls = []
    insert = importer._insert_valid

    def failing(cur, at):
        calls.append(1)
        if len(calls) == 3:
            raise DatabaseError("disk full")
        return insert(cur, at)

    monkeypatch.setattr(importer, "_insert_valid", failing)
    # when
    with pytest.raises(DatabaseError, match="disk full"):
        ratings_import(path, chunk_size=3, fast_path=True, connections=2)
    # then: the first two chunks are in, with their checkpoint; nothing after them
    assert sorted(Rating.objects.values_list("case_id", flat=True)) == [c.pk for c in cases[:6]]
    checkpoint = json.loads((tmp_path / "fail.jsonl.checkpoint").read_text())
    assert (checkpoint["line"], checkpoint["imported"]) == (6, 6)
    # and when resumed, the rest comes in once
    monkeypatch.setattr(importer, "_insert_valid", insert)
    report = ratings_import(path, chunk_size=3, fast_path=True, connections=2)
    assert (report.skipped, report.imported, report.replayed) == (6, 6, 0)
    assert Rating.objects.count() == 12
    assert sum(RatingRollup.objects.values_list("count", flat=True)) == 12


def test_two_connections_resume_after_an_interruption(tmp_path):
    # given 7 records, interrupted after two chunks of 2
    tree = build_org_tree()
    cases = [completed_case(tree) for _n in range(7)]
    path = tmp_path / "r.jsonl"
    _write(path, [record(c) for c in cases])
    first = ratings_import(path, chunk_size=2, fast_path=True, stop_after_chunks=2)
    assert first.imported == 4
    # when resumed, and when run again with the checkpoint lost
    second = ratings_import(path, chunk_size=2, fast_path=True)
    (tmp_path / "r.jsonl.checkpoint").unlink()
    third = ratings_import(path, chunk_size=2, fast_path=True)
    # then every line counted once
    assert (second.skipped, second.imported) == (4, 3)
    assert (third.imported, third.replayed, third.failed) == (0, 7, 0)
    assert Rating.objects.count() == 7
    assert sum(RatingRollup.objects.values_list("count", flat=True)) == 7
