"""The fake regional platform: strict validation, signatures, order, loopback only."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haochaping.dataout.adapters.transport import Transport
from haochaping.dataout.fakeplatform import FakePlatform


def post(url: str, body, headers=None) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def server(tmp_path):
    made = []

    def start(**kwargs) -> FakePlatform:
        srv = FakePlatform("127.0.0.1", 0, data_dir=tmp_path / f"p{len(made)}", **kwargs)
        threading.Thread(
            target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        made.append(srv)
        return srv

    yield start
    for srv in made:
        srv.shutdown()
        srv.server_close()


GOOD = {
    "recordId": "R-ABC",
    "sourceSystem": "540100-HCP",
    "projectNo": "540100-1",
    "taskCode": "T1",
    "taskHandleItem": "T1",
    "taskName": "x",
    "subMatter": "",
    "areaCode": "540100",
    "deptCode": "115401000000010386",
    "proDepart": "拉萨市公安局",
    "proManager": "",
    "proStatus": "2",
    "pf": "4",
    "userProp": "1",
    "userName": "",
    "certKey": "",
    "mobile": "",
    "satisfaction": 2,
    "evalDetail": "207,213",
    "writingEvaluation": "",
    "otherEvaluation": "",
    "assessTime": "2026-10-12 10:00:00",
    "assessNumber": 1,
    "appStatus": "2",
    "publicFlag": "1",
    "acceptDate": "",
    "promiseTime": "",
    "dataSource": "1",
}


def test_a_valid_evaluation_is_stored_once_and_a_repeat_is_a_duplicate(server):
    srv = server()
    url = srv.url + "/api/tibet/v1/evaluations"

    assert post(url, GOOD) == (200, {"code": "0", "msg": "accepted", "recordId": "R-ABC"})
    assert post(url, GOOD) == (200, {"code": "0", "msg": "duplicate", "recordId": "R-ABC"})
    assert srv.store.stats() == {"records": 1, "deliveries": 2, "duplicates": 1, "requests": 2}
    assert [r["day"] for r in srv.store.records()] == ["2026-10-12"]


def test_unknown_missing_and_malformed_fields_are_refused_with_per_field_errors(server):
    srv = server()
    body = {
        **GOOD,
        "satisfaction": "2",
        "pf": "8",
        "evalDetail": "207,513",
        "assessTime": "2026/10/12",
        "extra": 1,
    }
    del body["mobile"]

    status, answer = post(srv.url + "/api/tibet/v1/evaluations", body)

    assert status == 422
    assert answer["errors"] == {
        "extra": ["unknown field"],
        "mobile": ["missing"],
        "satisfaction": ["must be an integer in [1, 2, 3, 4, 5]"],
        "pf": ["must be one of '1', '2', '3', '4', '5', '6', '7'"],
        "assessTime": ["must be yyyy-MM-dd HH:mm:ss"],
    }
    assert srv.store.stats()["records"] == 0


def test_reason_codes_must_belong_to_the_satisfaction(server):
    srv = server()
    status, answer = post(srv.url + "/api/tibet/v1/evaluations", {**GOOD, "evalDetail": "207,513"})
    assert (status, answer["errors"]) == (
        422,
        {"evalDetail": ["'513' is not a reason code of this satisfaction"]},
    )


def test_a_result_before_its_evaluation_is_refused_as_out_of_order(server):
    srv = server()
    result = {
        "recordId": "C-1",
        "sourceSystem": "540100-HCP",
        "projectNo": "540100-1",
        "areaCode": "540100",
        "deptCode": "115401000000010386",
        "evalRecordId": "R-ABC",
        "rectifyEvent": "01",
        "rectifyStatus": "2",
        "rectifyResult": "",
        "visitWay": "",
        "visitResult": "",
        "visitSatisfaction": "",
        "handleTime": "2026-10-12 11:00:00",
        "handleOpinion": "",
        "contactTime": "2026-10-12 11:00:00",
        "feedbackTime": "",
        "closeTime": "",
        "overdueFlag": "0",
    }
    url = srv.url + "/api/tibet/v1/rectifications"

    assert post(url, result) == (
        409,
        {"code": "E_ORDER", "msg": "the evaluation has not been received", "recordId": "C-1"},
    )
    post(srv.url + "/api/tibet/v1/evaluations", GOOD)
    assert post(url, result)[0] == 200


def test_with_a_secret_only_signed_requests_are_accepted_and_a_nonce_works_once(server):
    srv = server(secret="s3cret-key", client_id="lhasa")
    body = json.dumps(GOOD).encode()

    assert post(srv.url + "/api/tibet/v1/evaluations", body)[0] == 401
    wrong = Transport(srv.url, client_id="lhasa", secret="another-key")
    assert wrong.request("POST", "/api/tibet/v1/evaluations", body=body).status == 401
    good = Transport(srv.url, client_id="lhasa", secret="s3cret-key")
    reply = good.request("POST", "/api/tibet/v1/evaluations", body=body)
    assert (reply.status, reply.json()["msg"]) == (200, "accepted")
    headers = good._headers("POST", "/api/tibet/v1/evaluations", body)
    assert post(srv.url + "/api/tibet/v1/evaluations", body, headers)[0] == 200
    assert post(srv.url + "/api/tibet/v1/evaluations", body, headers)[0] == 401  # replayed nonce


def test_the_fake_listens_on_loopback_only(tmp_path):
    with pytest.raises(ValueError, match="the fake platform listens on loopback only"):
        FakePlatform("0.0.0.0", 0, data_dir=tmp_path)  # noqa: S104
    with pytest.raises(CommandError, match=r"The fake platform listens on loopback only\."):
        call_command("fake_platform", "--host", "0.0.0.0", "--port", "0")  # noqa: S104
