"""POST /api/v1/ratings/batch: a result per record, each stored or refused on its own."""

from haochaping.ratings.models import Rating
from haochaping.ratings.tests.helpers import completed_case, record

URL = "/api/v1/ratings/batch"


def test_batch_results_per_record(city_client, org_tree):
    # given
    a, b = completed_case(org_tree), completed_case(org_tree)
    records = [
        record(a),
        record(a, satisfaction=4, evalDetail="413"),  # same case and stage: 409
        record(b, evalDetail="207"),  # wrong level: 422
        {"projectNo": b.project_no, "satisfaction": "five"},  # type errors: 422
        record(b, satisfaction=2, evalDetail="209", idempotencyKey="batch-key-000000001"),
        record(
            b, satisfaction=2, evalDetail="209", idempotencyKey="batch-key-000000001"
        ),  # replay: 200
    ]
    # when
    response = city_client.post(URL, {"records": records})
    # then
    assert response.status_code == 200
    body = response.json()
    assert [r["status"] for r in body["results"]] == [201, 409, 422, 422, 201, 200]
    assert (body["created"], body["replayed"], body["failed"]) == (2, 1, 3)
    assert body["results"][1]["code"] == "already_rated"
    assert body["results"][2]["errors"] == {
        "evalDetail": ["This reason code belongs to another level: 207"]
    }
    assert set(body["results"][3]["errors"]) == {"satisfaction", "pf", "assessTime"}
    assert body["results"][5]["receipt"] == body["results"][4]["receipt"]
    assert Rating.objects.count() == 2


def test_batch_over_1000_refused(city_client, org_tree):
    response = city_client.post(URL, {"records": [{}] * 1001})
    assert response.status_code == 422
    assert list(response.json()["extra"]["errors"]) == ["records"]
