"""POST /api/v1/ratings and GET /api/v1/ratings/{receipt} through the signed HTTP interface."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haochaping.core.clock import now
from haochaping.ratings.enums import Level
from haochaping.ratings.events import bad_review_received
from haochaping.ratings.models import Rating, RatingEvent, RatingRollup
from haochaping.ratings.tests.helpers import completed_case, record, wire_time
from haochaping.testing.builders import make_case

URL = "/api/v1/ratings"


def _nothing_stored():
    return (
        Rating.objects.count() == 0
        and RatingRollup.objects.count() == 0
        and RatingEvent.objects.count() == 0
    )


def test_rating_created_201_with_receipt(city_client, org_tree):
    # given
    case = completed_case(org_tree)
    # when
    response = city_client.post(URL, record(case))
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    assert re.fullmatch(r"[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{10}", body["receipt"])
    rating = Rating.objects.get(pk=body["id"])
    assert (rating.case, rating.unit, rating.item, rating.level, rating.channel) == (
        case,
        case.unit,
        case.item,
        Level.VERY_SATISFIED,
        "4",
    )
    assert rating.option_codes == ["510", "517"]
    assert rating.content_version.code == "2"
    assert rating.source_client.app_id == city_client.app_id
    assert RatingRollup.objects.get().count == 1


def test_same_idempotency_key_twice_gives_one_rating(city_client, org_tree):
    # given
    case = completed_case(org_tree)
    body = record(case, idempotencyKey="7f1c2a4e-8d3b-4c55-9e1a-0b2c3d4e5f60")
    first = city_client.post(URL, body)
    # when
    second = city_client.post(URL, body)
    # then
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == {
        "id": first.json()["id"],
        "receipt": first.json()["receipt"],
        "created": False,
    }
    assert Rating.objects.count() == 1
    assert RatingRollup.objects.get().count == 1


def test_idempotency_key_reused_for_another_case_409(city_client, org_tree):
    # given
    key = "key-reused-0000000001"
    city_client.post(URL, record(completed_case(org_tree), idempotencyKey=key))
    # when
    response = city_client.post(URL, record(completed_case(org_tree), idempotencyKey=key))
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["message"] == "This idempotency key was already used for another rating."


def test_second_rating_of_same_case_and_stage_409_already_rated(city_client, org_tree):
    # given
    case = completed_case(org_tree)
    assert city_client.post(URL, record(case)).status_code == 201
    # when
    response = city_client.post(URL, record(case, satisfaction=4, evalDetail="413"))
    # then
    assert response.status_code == 409
    assert response.json() == {
        "code": "already_rated",
        "message": "This case has already been rated at this stage.",
        "extra": {},
    }
    assert Rating.objects.count() == 1


def test_acceptance_and_completion_are_rated_separately(city_client, org_tree):
    case = completed_case(org_tree)
    at_acceptance = record(
        case, stage="acceptance", assessTime=wire_time(case.accepted_at + dt.timedelta(hours=1))
    )
    assert city_client.post(URL, at_acceptance).status_code == 201
    assert city_client.post(URL, record(case)).status_code == 201


def test_follow_up_after_bad_review_then_no_more(city_client, org_tree):
    # given
    case = completed_case(org_tree)
    assert city_client.post(URL, record(case, satisfaction=1, evalDetail="113")).status_code == 201
    follow_up = record(case, satisfaction=4, evalDetail="413", assessNumber=2)
    # when
    first = city_client.post(URL, follow_up)
    second = city_client.post(URL, follow_up)
    # then
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["code"] == "already_rated"


def test_follow_up_of_good_rating_422(city_client, org_tree):
    case = completed_case(org_tree)
    city_client.post(URL, record(case))
    response = city_client.post(URL, record(case, assessNumber=2))
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {
        "assessNumber": [
            "A follow-up rating is only possible after a bad review of the same case and stage."
        ]
    }


def test_option_of_another_level_422_nothing_stored(city_client, org_tree):
    # given: 207 is a level-2 reason, given with satisfaction 5
    case = completed_case(org_tree)
    # when
    response = city_client.post(URL, record(case, evalDetail="510,207,999"))
    # then
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_input",
        "message": "Some fields are invalid.",
        "extra": {
            "errors": {
                "evalDetail": [
                    "This reason code belongs to another level: 207",
                    "This reason code is not in the content version: 999",
                ]
            }
        },
    }
    assert _nothing_stored()


def test_many_bad_fields_reported_together(city_client, org_tree):
    # given
    case = completed_case(org_tree)
    body = record(
        case,
        writingEvaluation="很" * 151,
        assessTime=wire_time(now() + dt.timedelta(minutes=10)),
        certKey="540102199005170000",
        mobile="1234",
    )
    # when
    response = city_client.post(URL, body)
    # then
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {
        "writingEvaluation": ["The written evaluation is too long (at most 150 characters)."],
        "assessTime": ["The assessment time lies in the future."],
        "certKey": ["The check digit of this citizen ID number is wrong."],
        "mobile": ["A mobile number has 11 digits and starts with 13 to 19."],
    }
    assert _nothing_stored()


def test_future_within_skew_is_accepted(city_client, org_tree):
    case = completed_case(org_tree)
    response = city_client.post(
        URL, record(case, assessTime=wire_time(now() + dt.timedelta(seconds=200)))
    )
    assert response.status_code == 201


def test_unknown_project_and_wire_errors_422(city_client, org_tree):
    # when
    response = city_client.post(
        URL,
        {
            "projectNo": "NO-SUCH-CASE",
            "pf": 9,
            "satisfaction": 6,
            "assessTime": "2026/11/02 10:00",
            "userProp": "5",
        },
    )
    # then
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {
        "projectNo": ["No case has this projectNo."],
        "satisfaction": ["The satisfaction is 1 (very dissatisfied) to 5 (very satisfied)."],
        "pf": ["Unknown channel code: use 1 to 7."],
        "assessTime": ["Use the format yyyy-MM-dd HH:mm:ss (Beijing time)."],
        "userProp": ["The userProp is 1 (natural person), 2 (legal person) or 9 (other)."],
    }


def test_task_code_must_match_the_case(city_client, org_tree):
    case = completed_case(org_tree)
    response = city_client.post(URL, record(case, taskCode="UNKNOWN-TASK"))
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {
        "taskCode": ["The taskCode does not match the case's service item."]
    }


def test_wrong_json_types_422_per_field(city_client, org_tree):
    case = completed_case(org_tree)
    response = city_client.post(URL, record(case, satisfaction="very good", pf=None))
    assert response.status_code == 422
    errors = response.json()["extra"]["errors"]
    assert set(errors) == {"satisfaction", "pf"}
    assert _nothing_stored()


def test_bad_review_needs_a_reason(city_client, org_tree):
    case = completed_case(org_tree)
    response = city_client.post(
        URL, record(case, satisfaction=2, evalDetail="", writingEvaluation="")
    )
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {
        "evalDetail": ["A bad review needs at least one reason code or a written explanation."]
    }


def test_bad_review_records_event_and_signal(city_client, org_tree):
    # given
    received = []

    def listener(sender, rating, **kwargs):
        received.append(rating.receipt)

    bad_review_received.connect(listener)
    case = completed_case(org_tree)
    try:
        # when
        response = city_client.post(URL, record(case, satisfaction=2, evalDetail="209,214"))
    finally:
        bad_review_received.disconnect(listener)
    # then
    assert response.status_code == 201
    event = RatingEvent.objects.get()
    assert event.type == "rating.bad_review_received"
    assert event.rating_id == response.json()["id"]
    assert event.payload == {"receipt": response.json()["receipt"], "case": case.project_no}
    assert received == [response.json()["receipt"]]


def test_good_rating_records_no_event(city_client, org_tree):
    city_client.post(URL, record(completed_case(org_tree)))
    assert RatingEvent.objects.count() == 0


def test_case_outside_client_scope_is_unknown(county_client, org_tree):
    # given: a city police case; the client only covers 城关区
    case = completed_case(org_tree)
    # when
    response = county_client.post(URL, record(case))
    # then
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {"projectNo": ["No case has this projectNo."]}


def test_open_case_cannot_be_rated_at_completion(city_client, org_tree):
    case = make_case(org_tree, accepted_at=now() - dt.timedelta(days=1))
    response = city_client.post(URL, record(case))
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {
        "stage": ["The case is not completed yet, so it cannot be rated at completion."]
    }


def test_rating_period_ends(city_client, org_tree):
    case = completed_case(org_tree, days_ago=40)
    response = city_client.post(URL, record(case))
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {
        "assessTime": ["The rating period for this case has ended."]
    }


def test_retired_content_version_codes(city_client, org_tree):
    case = completed_case(org_tree)
    old = city_client.post(URL, record(case, contentVersion="1", evalDetail="501,509"))
    assert old.status_code == 201
    other = completed_case(org_tree)
    current_with_old_code = city_client.post(URL, record(other, evalDetail="501"))
    assert current_with_old_code.json()["extra"]["errors"] == {
        "evalDetail": ["This reason code is not in the content version: 501"]
    }


def test_rating_without_case_needs_unit_in_scope(city_client, org_tree):
    body = {
        "deptCode": org_tree.bureau.credit_code,
        "pf": 6,
        "satisfaction": 3,
        "evalDetail": "314",
        "assessTime": wire_time(now()),
    }
    response = city_client.post(URL, body)
    assert response.status_code == 201
    rating = Rating.objects.get()
    assert (rating.case, rating.unit) == (None, org_tree.bureau)


def test_anonymous_rating_keeps_no_identity(city_client, org_tree):
    case = completed_case(org_tree)
    response = city_client.post(URL, record(case, anonymous=True, certKey="540102199005170019"))
    assert response.status_code == 201
    rating = Rating.objects.get()
    assert (rating.evaluator_name, rating.evaluator_cert_no, rating.evaluator_mobile) == (
        "",
        "",
        "",
    )


def test_receipt_lookup_shows_no_identity(client, city_client, org_tree):
    # given
    case = completed_case(org_tree)
    receipt = city_client.post(URL, record(case, evalDetail="517")).json()["receipt"]
    # when: no signature needed, the receipt is the key
    response = client.get(f"/api/v1/ratings/{receipt.lower()}")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["receipt"] == receipt
    assert body["projectNo"] == case.project_no
    assert body["satisfaction"] == 5
    assert body["evalDetail"] == [{"code": "517", "label": "服务热情效率高"}]
    assert "卓玛" not in response.content.decode()
    assert client.get("/api/v1/ratings/ZZZZZZZZZZ").status_code == 404


def test_case_view_lists_ratings_without_identity(city_client, org_tree):
    case = completed_case(org_tree)
    city_client.post(URL, record(case))
    response = city_client.get(f"/api/v1/cases/{case.project_no}")
    assert response.status_code == 200
    ratings = response.json()["ratings"]
    assert [(r["satisfaction"], r["evalDetail"], r["stage"]) for r in ratings] == [
        (5, "510,517", "completion")
    ]
    assert "13900000000" not in response.content.decode()


def test_nul_characters_refused_not_500(client, city_client, org_tree):
    # given: PostgreSQL text cannot hold NUL; such input is invalid, not a server error
    case = completed_case(org_tree)
    # when
    response = city_client.post(URL, record(case, writingEvaluation="好\x00"))
    # then
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {
        "writingEvaluation": ["Value error, NUL characters are not allowed"]
    }
    assert client.get("/api/v1/ratings/AB%00CD").status_code == 404
    assert city_client.get("/api/v1/cases/AB%00CD").status_code == 404
    assert _nothing_stored()


def _tables_written_or_read(sql: str) -> str:
    found = re.search(r'(?:INSERT INTO|FROM|UPDATE) "(\w+)"', sql)
    return found.group(1) if found else sql.split()[0]


def test_a_clean_signed_rating_costs_a_pinned_list_of_statements(city_client, org_tree):
    # given: a rating no integrity check flags (its own mobile, app channel)
    case = completed_case(org_tree)
    city_client.post(URL, record(completed_case(org_tree), mobile="13900000001", pf=2))
    # when
    with CaptureQueriesContext(connection) as ctx:
        response = city_client.post(URL, record(case, mobile="13900000002", pf=2))
    # then: the statements of the request (savepoints aside: the test runs in a transaction)
    assert response.status_code == 201
    statements = [
        _tables_written_or_read(q["sql"])
        for q in ctx.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    if connection.vendor == "postgresql":
        assert statements == [
            "integration_integrationclient",  # the signature's client (also the bare endpoint)
            "integration_usednonce",  # nonce single use (also the bare endpoint)
            "cases_case",
            "ratings_rating",
            "coverage_supplementarytask",
            # the integrity look-ups with the fingerprint insert, the rollup count (the
            # unit-share check leaves the rating's own count out) and data-out's outbox row
            "integrity_fingerprint",
        ]
        (judged,) = [q["sql"] for q in ctx.captured_queries if "integrity_fingerprint" in q["sql"]]
        assert 'INSERT INTO "ratings_ratingrollup"' in judged
        assert 'INSERT INTO "dataout_outboxmessage"' in judged
    else:  # SQLite: the integrity fingerprint insert is a statement of its own
        assert statements.count("ratings_rating") == 1
        assert statements.count("ratings_ratingrollup") == 1
        assert len(statements) == 9
    case_lookup = next(q["sql"] for q in ctx.captured_queries if 'FROM "cases_case"' in q["sql"])
    assert "ORDER BY" not in case_lookup  # projectNo is unique


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares")
def test_the_rating_path_runs_on_prepared_statements(city_client, org_tree):
    # when a signed rating arrives
    response = city_client.post(URL, record(completed_case(org_tree), mobile="13900000003", pf=2))
    # then: its case look-up, rating and outbox inserts, coverage and integrity statements are
    # held prepared by the server for the next one
    assert response.status_code == 201
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = "\n".join(row[0] for row in cursor.fetchall())
    for table in (
        '"cases_case"',
        'INSERT INTO "ratings_rating"',
        'INSERT INTO "dataout_outboxmessage"',  # inside integrity's statement
        '"coverage_supplementarytask"',
        '"integrity_fingerprint"',
    ):
        assert table in prepared, table


@pytest.mark.parametrize("integrity", ["1", "0"])
def test_the_outbox_row_is_written_whether_or_not_integrity_carries_it(
    city_client, org_tree, monkeypatch, integrity
):
    # given integrity's checks on (the outbox row rides in their statement) or off (it runs
    # at the end of the rating's block)
    from haochaping.dataout.models import OutboxMessage

    monkeypatch.setenv("HAOCHAPING_INTEGRITY_ENABLED", integrity)
    # when a rating arrives
    response = city_client.post(URL, record(completed_case(org_tree), mobile="13900000004", pf=2))
    # then its one outbox row is there
    assert response.status_code == 201
    rating = Rating.objects.get(receipt=response.json()["receipt"])
    assert OutboxMessage.objects.filter(topic="rating", source_id=rating.pk).count() == 1
