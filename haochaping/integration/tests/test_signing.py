"""Published test vectors (also in docs/api.md), computed independently with sha256sum and openssl dgst."""

from haochaping.integration.signing import body_digest, sign, signed_headers, string_to_sign, verify

SECRET = "test-secret-0123456789"
BODY = (
    b'{"projectNo":"540100-2026-000001","pf":4,"satisfaction":5,"evalDetail":"510,517",'
    b'"assessTime":"2026-11-02 10:15:00"}'
)


def test_vector_post_with_body():
    # given
    ts, nonce = 1793585700, "c0ffee00c0ffee00c0ffee00"
    # when
    digest = body_digest(BODY)
    signature = sign(SECRET, "POST", "/api/v1/ratings", ts, nonce, BODY)
    # then
    assert digest == "3612093c71b130e0a2910fecadc19d443ae55d0e15081d8d9b6f134c40d74f95"
    assert signature == "0a7b51dd9da7a7e6283be54cb1ac41d91cee3ac88c8ed47324f17f8acf8da35c"


def test_vector_get_empty_body_and_query_string_not_signed():
    # given
    ts, nonce = "1793585700", "nonce-0000000000000001"
    # when
    plain = sign(SECRET, "GET", "/api/v1/org/units", ts, nonce, b"")
    with_query = sign(SECRET, "get", "/api/v1/org/units?limit=10&offset=0", ts, nonce, b"")
    # then
    assert plain == "de8888722dbe459da77f961597a59ea0e8d294579e9dc79f4f9c5bd57190536c"
    assert with_query == plain
    assert string_to_sign("GET", "/api/v1/org/units", ts, nonce, b"") == (
        "GET\n/api/v1/org/units\n1793585700\nnonce-0000000000000001\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_verify_rejects_any_change():
    # given
    args = ("POST", "/api/v1/ratings", "1793585700", "c0ffee00c0ffee00c0ffee00", BODY)
    good = sign(SECRET, *args)
    # then
    assert verify(SECRET, *args, good)
    assert not verify(SECRET, *args[:4], BODY + b" ", good)
    assert not verify("other-secret", *args, good)
    assert not verify(SECRET, "POST", "/api/v1/ratings/batch", *args[2:], good)


def test_signed_headers_carry_all_four():
    headers = signed_headers(
        "hcp_x",
        SECRET,
        "GET",
        "/api/v1/org/units",
        timestamp=1793585700,
        nonce="nonce-0000000000000001",
    )
    assert headers == {
        "X-HCP-App": "hcp_x",
        "X-HCP-Timestamp": "1793585700",
        "X-HCP-Nonce": "nonce-0000000000000001",
        "X-HCP-Signature": "de8888722dbe459da77f961597a59ea0e8d294579e9dc79f4f9c5bd57190536c",
    }
