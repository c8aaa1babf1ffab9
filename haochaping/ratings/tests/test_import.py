"""`haochaping ratings import FILE`: both paths give the same results; resumable; exactly once."""

import json

import pytest
from django.core.management import call_command
from django.db import connection

from haochaping.ratings.importer import ratings_import
from haochaping.ratings.models import Rating, RatingEvent, RatingRollup
from haochaping.ratings.services import rating_submit
from haochaping.ratings.tests.helpers import completed_case, record
from haochaping.ratings.tests.test_rollups import _raw_counts, _rollup_counts

PATHS = [False, True] if connection.vendor == "postgresql" else [False]


def _write_jsonl(path, lines):
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
        + "\n"
    )


def _errors(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("fast", PATHS, ids=lambda f: "fast" if f else "generic")
def test_import_rules_and_error_report(org_tree, tmp_path, fast):
    # given
    a, b, c, d = (completed_case(org_tree) for _i in range(4))
    rating_submit(
        case=d, level="satisfied", channel="4", assessed_at=d.completed_at, option_codes=["413"]
    )
    lines = [
        record(a),  # 1 ok
        "{not json",  # 2 bad JSON
        record(b, evalDetail="207"),  # 3 option of another level
        record(a, satisfaction=4, evalDetail="413"),  # 4 already rated (line 1)
        record(d),  # 5 already rated (in the database)
        {**record(b), "projectNo": "NOPE"},  # 6 unknown case
        record(c, satisfaction=1, evalDetail="115"),  # 7 ok, bad review
        record(c, satisfaction=4, evalDetail="413", assessNumber=2),  # 8 ok, follow-up of line 7
        record(b, staffEntered="1", pf="6"),  # 9 ok
        "",  # 10 blank: ignored
    ]
    path = tmp_path / "ratings.jsonl"
    _write_jsonl(path, lines)
    # when
    report = ratings_import(path, chunk_size=100, fast_path=fast)
    # then
    assert (report.imported, report.failed, report.replayed) == (4, 5, 0)
    errors = {e["line"]: e for e in _errors(tmp_path / "ratings.jsonl.errors.jsonl")}
    assert sorted(errors) == [2, 3, 4, 5, 6]
    assert errors[2]["message"] == "This line is not valid JSON."
    assert errors[3]["errors"] == {"evalDetail": ["This reason code belongs to another level: 207"]}
    assert (errors[4]["status"], errors[4]["code"]) == (409, "already_rated")
    assert (errors[5]["status"], errors[5]["code"]) == (409, "already_rated")
    assert errors[6]["errors"] == {"projectNo": ["No case has this projectNo."]}
    assert Rating.objects.count() == 5
    assert Rating.objects.get(case=b).is_staff_entered is True
    assert list(RatingEvent.objects.values_list("type", flat=True)) == [
        "rating.bad_review_received"
    ]
    assert _rollup_counts() == _raw_counts()


@pytest.mark.parametrize("fast", PATHS, ids=lambda f: "fast" if f else "generic")
def test_import_resumes_and_counts_once(org_tree, tmp_path, fast):
    # given: 7 records, interrupted after the first chunk of 3
    cases = [completed_case(org_tree) for _i in range(7)]
    path = tmp_path / "r.jsonl"
    _write_jsonl(path, [record(c) for c in cases])
    first = ratings_import(path, chunk_size=3, fast_path=fast, stop_after_chunks=1)
    assert first.imported == 3
    # when: resumed
    second = ratings_import(path, chunk_size=3, fast_path=fast)
    # then
    assert (second.skipped, second.imported) == (3, 4)
    assert Rating.objects.count() == 7
    # when: the checkpoint is lost (crash after commit) and the whole file runs again
    (tmp_path / "r.jsonl.checkpoint").unlink()
    third = ratings_import(path, chunk_size=3, fast_path=fast)
    # then: every line is a replay, nothing counted twice
    assert (third.imported, third.replayed, third.failed) == (0, 7, 0)
    assert Rating.objects.count() == 7
    assert sum(RatingRollup.objects.values_list("count", flat=True)) == 7


def test_import_csv_through_the_command(org_tree, tmp_path, capsys):
    # given
    a, b = completed_case(org_tree), completed_case(org_tree)
    ra, rb = (
        record(a, paperForm="1"),
        record(b, satisfaction=3, evalDetail="307,314", anonymous="0"),
    )
    header = [
        "projectNo",
        "taskCode",
        "pf",
        "satisfaction",
        "evalDetail",
        "writingEvaluation",
        "assessTime",
        "userName",
        "mobile",
        "paperForm",
        "anonymous",
    ]
    import csv

    path = tmp_path / "paper.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header, extrasaction="ignore")
        w.writeheader()
        w.writerow(ra)
        w.writerow(rb)
    # when
    call_command("ratings", "import", str(path), "--no-progress")
    # then
    summary = json.loads(capsys.readouterr().out)
    assert (summary["imported"], summary["failed"]) == (2, 0)
    assert list(Rating.objects.order_by("id").values_list("is_paper", "level", "option_codes")) == [
        (True, "very_satisfied", ["510", "517"]),
        (False, "basic", ["307", "314"]),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY fast path is PostgreSQL's")
def test_fast_path_runs_the_hooks_in_each_chunks_transaction(org_tree, tmp_path):
    from django_tasks_db.models import DBTaskResult

    from haochaping.ratings.events import id_runs, ratings_imported
    from haochaping.rectification.models import Rectification

    # given: five records in chunks of two, the fourth a bad review
    cases = [completed_case(org_tree) for _i in range(5)]
    lines = [record(c) for c in cases]
    lines[3] = record(cases[3], satisfaction=1, evalDetail="115")
    path = tmp_path / "hooks.jsonl"
    _write_jsonl(path, lines)
    seen: list[list[int]] = []

    def on_import(sender, rating_ids, **kwargs):
        seen.append(list(rating_ids))

    ratings_imported.connect(on_import, dispatch_uid="test-import-hooks")
    try:
        # when
        report = ratings_import(path, chunk_size=2, fast_path=True)
    finally:
        ratings_imported.disconnect(dispatch_uid="test-import-hooks")
    # then: one signal per chunk with its ratings, in file order
    assert report.imported == 5
    by_case = dict(Rating.objects.values_list("case_id", "id"))
    assert seen == [
        [by_case[cases[0].pk], by_case[cases[1].pk]],
        [by_case[cases[2].pk], by_case[cases[3].pk]],
        [by_case[cases[4].pk]],
    ]
    # the bad review opened its rectification; every chunk queued its background jobs
    assert list(Rectification.objects.values_list("rating_id", flat=True)) == [by_case[cases[3].pk]]
    for job in (
        "haochaping.dataout.imports.outbox_enqueue_imported",
        "haochaping.integrity.imports.integrity_check_imported",
    ):
        assert [r.args_kwargs["args"] for r in DBTaskResult.objects.filter(task_path=job)] == [
            [id_runs(ids)] for ids in seen
        ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY fast path is PostgreSQL's")
def test_fast_path_writes_fields_through_their_db_prep_value(org_tree, tmp_path):
    # given
    case = completed_case(org_tree)
    path = tmp_path / "prep.jsonl"
    _write_jsonl(path, [record(case, certKey="", mobile="13912345678", userName="次仁")])
    # when
    ratings_import(path, fast_path=True)
    # then: the column holds what the model field would have written, and reads back as given
    rating = Rating.objects.get(case=case)
    assert (rating.evaluator_mobile, rating.evaluator_name) == ("13912345678", "次仁")
    field = Rating._meta.get_field("evaluator_mobile")
    with connection.cursor() as cur:
        cur.execute("SELECT evaluator_mobile FROM ratings_rating WHERE id = %s", [rating.pk])
        stored = cur.fetchone()[0]
    assert stored == field.get_db_prep_value("13912345678", connection, prepared=False)


def test_id_runs_round_trip():
    from haochaping.ratings.events import id_runs, ids_of_runs

    assert id_runs([7, 3, 4, 5, 9, 10, 5]) == [[3, 5], [7, 7], [9, 10]]
    assert ids_of_runs(id_runs([7, 3, 4, 5, 9, 10])) == [3, 4, 5, 7, 9, 10]
    assert id_runs([]) == []


def test_chunk_shape_names_the_rules_a_chunk_can_break():
    from haochaping.ratings.importer import _STAGING_COLUMNS, chunk_shape

    names = [n for n, _t in _STAGING_COLUMNS]

    def row(project="P1", stage="completion", number=1, key="k1"):
        values = dict.fromkeys(names, "")
        values.update(project_no=project, stage=stage, assess_number=number, idempotency_key=key)
        return [values[n] for n in names]

    # given / when / then
    assert chunk_shape([row(), row("P2", key="k2")]) == frozenset()
    assert chunk_shape([row(), row("", key="k2")]) == {"comments"}
    assert chunk_shape([row(), row("P2", key="k1")]) == {"key_repeats"}
    assert chunk_shape([row(), row(key="k2")]) == {"case_repeats"}
    assert chunk_shape([row(), row(stage="acceptance", key="k2")]) == frozenset()
    assert chunk_shape([row(), row(number=2, key="k2")]) == {"follow_ups"}
    assert chunk_shape([row(key=""), row("P2", key="")]) == frozenset()
    assert chunk_shape([row("", key="a"), row("", key="b")]) == {"comments"}


def test_json_lines_are_read_as_bytes_with_the_standard_library_as_second_chance(tmp_path):
    from haochaping.ratings.importer import count_lines, iter_records

    path = tmp_path / "odd.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"  # a byte order mark before the first line
        + b'{"projectNo": "A-1"}\r\n'  # CRLF
        + b'{"projectNo": "A-2", "satisfaction": NaN}\n'  # orjson refuses NaN, json takes it
        + b'{"projectNo": "A-3", "n": 123456789012345678901234567890}\n'  # beyond 64 bits
        + b'{"projectNo": "\xff"}\n'  # not UTF-8
        + b"[1, 2]\n"
        + b"   \n"
        + '{"userName": "卓玛"}'.encode()  # no newline at the end
    )
    got = list(iter_records(path, is_csv=False))
    assert [line for line, _r, _m in got] == [1, 2, 3, 4, 5, 6, 7]
    assert count_lines(path, is_csv=False) == 7
    assert got[0][1] == {"projectNo": "A-1"}
    assert got[1][1]["projectNo"] == "A-2" and got[1][1]["satisfaction"] != 5
    assert got[2][1]["n"] == 123456789012345678901234567890
    assert got[3] == (4, None, "This line is not valid JSON.")
    assert got[4] == (5, None, "This line is not a JSON object.")
    assert got[5] == (6, None, "")
    assert got[6][1] == {"userName": "卓玛"}


@pytest.mark.parametrize("fast", PATHS, ids=lambda f: "fast" if f else "generic")
def test_numbers_out_of_any_range_are_field_errors(org_tree, tmp_path, fast):
    a, b, c = (completed_case(org_tree) for _i in range(3))
    path = tmp_path / "numbers.jsonl"
    with path.open("w") as f:
        f.write(
            json.dumps(record(a)).replace('"satisfaction": 5', '"satisfaction": Infinity') + "\n"
        )
        f.write(json.dumps({**record(b), "assessNumber": "x"}) + "\n")
        f.write(json.dumps(record(c)).replace('"satisfaction": 5', '"satisfaction": 1e400') + "\n")
    report = ratings_import(path, chunk_size=100, fast_path=fast)
    assert (report.imported, report.failed) == (0, 3)
    errors = {e["line"]: e for e in _errors(tmp_path / "numbers.jsonl.errors.jsonl")}
    assert list(errors[1]["errors"]) == ["satisfaction"]
    assert list(errors[2]["errors"]) == ["assessNumber"]
    assert list(errors[3]["errors"]) == ["satisfaction"]
