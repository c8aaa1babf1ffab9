"""Every 401 answer of the signed API, with its own code and message."""

import time

import time_machine

from haochaping.integration.models import UsedNonce
from haochaping.integration.services import integration_client_revoke, nonce_purge
from haochaping.integration.signing import signed_headers

URL = "/api/v1/org/units"


def test_correctly_signed_request_passes(city_client):
    # when
    response = city_client.get(URL)
    # then
    assert response.status_code == 200
    assert response.json()["count"] == 6


def test_missing_headers_401_auth_missing(client, org_tree):
    # when
    response = client.get(URL)
    # then
    assert response.status_code == 401
    assert response.json() == {
        "code": "auth_missing",
        "message": "This request is not signed: the X-HCP-App, X-HCP-Timestamp, X-HCP-Nonce and "
        "X-HCP-Signature headers are required.",
        "extra": {},
    }


def test_short_nonce_401_auth_missing(city_client):
    # when
    response = city_client.get(URL, nonce="short-nonce")
    # then
    assert response.status_code == 401
    assert response.json()["code"] == "auth_missing"


def test_wrong_signature_401_auth_bad_signature(client, city_client):
    # given
    headers = signed_headers(city_client.app_id, "not-the-secret", "GET", URL)
    # when
    response = client.get(URL, headers=headers)
    # then
    assert response.status_code == 401
    assert response.json()["code"] == "auth_bad_signature"
    assert (
        response.json()["message"]
        == "The signature does not match the request, or the app id is unknown."
    )


def test_body_changed_after_signing_401_auth_bad_signature(client, city_client):
    # given
    headers = signed_headers(
        city_client.app_id, city_client.secret, "POST", "/api/v1/ratings", b'{"pf":4}'
    )
    # when
    response = client.post(
        "/api/v1/ratings", b'{"pf":5}', content_type="application/json", headers=headers
    )
    # then
    assert response.status_code == 401
    assert response.json()["code"] == "auth_bad_signature"


def test_unknown_app_401_auth_bad_signature(client, org_tree):
    headers = signed_headers("hcp_unknown", "whatever", "GET", URL)
    response = client.get(URL, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "auth_bad_signature"


def test_stale_timestamp_401_auth_stale_timestamp(city_client):
    # when: 301 s in the past, and 301 s in the future
    past = city_client.get(URL, timestamp=int(time.time()) - 301)
    future = city_client.get(URL, timestamp=int(time.time()) + 301)
    # then
    for response in (past, future):
        assert response.status_code == 401
        assert response.json()["code"] == "auth_stale_timestamp"
        assert response.json()["message"] == (
            "The request timestamp is more than 300 seconds away from the server time."
        )


def test_timestamp_within_window_passes(city_client):
    response = city_client.get(URL, timestamp=int(time.time()) - 290)
    assert response.status_code == 200


def test_replayed_nonce_401_auth_replayed_nonce(client, city_client):
    # given
    headers = signed_headers(city_client.app_id, city_client.secret, "GET", URL)
    assert client.get(URL, headers=headers).status_code == 200
    # when
    response = client.get(URL, headers=headers)
    # then
    assert response.status_code == 401
    assert response.json() == {
        "code": "auth_replayed_nonce",
        "message": "This nonce has already been used.",
        "extra": {},
    }


def test_badly_signed_request_does_not_burn_the_nonce(client, city_client):
    # given
    nonce = "abcdefabcdefabcdef01"
    bad = signed_headers(city_client.app_id, "wrong", "GET", URL, nonce=nonce)
    assert client.get(URL, headers=bad).json()["code"] == "auth_bad_signature"
    # when
    response = city_client.get(URL, nonce=nonce)
    # then
    assert response.status_code == 200


def test_revoked_client_401_auth_revoked(city_client):
    # given
    integration_client_revoke(app_id=city_client.app_id)
    # when
    response = city_client.get(URL)
    # then
    assert response.status_code == 401
    assert response.json() == {
        "code": "auth_revoked",
        "message": "This integration client has been revoked.",
        "extra": {},
    }


def test_nonce_purge_keeps_the_window(city_client):
    # given: one nonce used now
    assert city_client.get(URL).status_code == 200
    # when: 599 s later nothing is purged, 601 s later it is
    with time_machine.travel(time.time() + 599):
        kept = nonce_purge()
    with time_machine.travel(time.time() + 601):
        purged = nonce_purge()
    # then
    assert (kept, purged) == (0, 1)
    assert UsedNonce.objects.count() == 0
