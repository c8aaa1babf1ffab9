"""The login through HTTP: one step for most roles, password + TOTP code for admin, liaison and
reviewer; lockout after repeated failures; idle and absolute session expiry."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from haochaping.accounts.enums import Role
from haochaping.accounts.services import totp_device_create
from haochaping.accounts.twofactor import code_at
from haochaping.core.clock import now
from haochaping.testing.builders import TEST_PASSWORD, make_user
from haochaping.testing.login import fresh_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enforced")]


def password_step(client, username, password=TEST_PASSWORD, next_url=""):
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": password, "next": next_url})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_handler_logs_in_with_the_password_alone(client, org_tree):
    make_user("cg", Role.HANDLER, scope_region=org_tree.chengguan)
    response = password_step(client, "cg")
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in(client)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LIAISON, Role.REVIEWER])
def test_second_factor_roles_have_no_session_before_the_code(client, org_tree, role):
    # given a user of the role with a device
    user = make_user("u", role, scope_region=org_tree.lhasa)
    device = totp_device_create(user=user)
    # when the password is right
    response = password_step(client, "u", next_url="/notifications/")
    # then they are asked for the code, and not logged in yet
    assert response.status_code == 302 and response["Location"] == "/accounts/login/verify/"
    assert not logged_in(client)
    assert client.get("/notifications/").status_code == 302
    # when a wrong code is given
    wrong = f"{(int(fresh_code(device)) + 1) % 1_000_000:06d}"
    page = client.post("/accounts/login/verify/", {"token": wrong})
    # then the page says so and there is still no session
    assert page.status_code == 200 and "The code is not valid." in _text(page)
    assert not logged_in(client)
    # when the current code is given
    device.throttle_reset()
    response = client.post("/accounts/login/verify/", {"token": fresh_code(device)})
    # then the session exists, verified, and they land where they wanted to go
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert logged_in(client)
    assert client.get("/notifications/").status_code == 200


def test_a_superuser_of_any_role_needs_the_second_factor(client):
    make_user("root", Role.LEADER, is_superuser=True, is_staff=True)
    response = password_step(client, "root", next_url="/admin/")
    assert response["Location"] == "/accounts/login/enrol/"
    assert not logged_in(client)


def test_a_code_is_accepted_once(client, org_tree):
    user = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    device = totp_device_create(user=user)
    code = fresh_code(device)
    password_step(client, "liaison")
    assert client.post("/accounts/login/verify/", {"token": code}).status_code == 302
    client.post("/accounts/logout/")
    # when the same code is replayed in a second login
    password_step(client, "liaison")
    page = client.post("/accounts/login/verify/", {"token": code})
    # then it is refused
    assert page.status_code == 200 and not logged_in(client)


def test_wrong_codes_are_throttled(client, org_tree):
    user = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    device = totp_device_create(user=user)
    password_step(client, "liaison")
    start = now()
    with time_machine.travel(start, tick=False):
        wrong = f"{(int(fresh_code(device)) + 1) % 1_000_000:06d}"
        client.post("/accounts/login/verify/", {"token": wrong})
        # even the right code waits out the throttle after a failure
        page = client.post("/accounts/login/verify/", {"token": fresh_code(device)})
        assert "Too many wrong codes" in _text(page)
        assert not logged_in(client)
    with time_machine.travel(start + dt.timedelta(seconds=2), tick=False):
        response = client.post("/accounts/login/verify/", {"token": fresh_code(device)})
    assert response.status_code == 302 and logged_in(client)


def test_non_digit_codes_are_a_field_error(client, org_tree):
    user = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    totp_device_create(user=user)
    password_step(client, "liaison")
    page = client.post("/accounts/login/verify/", {"token": "abcdef"})
    assert "Enter the six digits" in _text(page)


def test_the_first_login_enrols_a_device(client, org_tree):
    # given a reviewer without a device
    make_user("rev", Role.REVIEWER, scope_region=org_tree.lhasa)
    # when they pass the password step
    response = password_step(client, "rev")
    # then they are sent to enrol: the secret as text and a QR code drawn on the server
    assert response["Location"] == "/accounts/login/enrol/"
    page = client.get("/accounts/login/enrol/")
    html = _text(page)
    secret = re.search(r'<code id="otp-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert "<svg" in html and not logged_in(client)
    device = TOTPDevice.objects.get(user__username="rev")
    assert not device.confirmed
    assert secret.replace(" ", "") in device.config_url
    # when they confirm with a wrong code, then a field error, still unconfirmed
    wrong = f"{(int(code_at(device, now().timestamp())) + 1) % 1_000_000:06d}"
    page = client.post("/accounts/login/enrol/", {"token": wrong})
    assert "The code is not valid." in _text(page)
    device.refresh_from_db()
    assert not device.confirmed
    # when they confirm with the app's code
    device.throttle_reset()
    response = client.post("/accounts/login/enrol/", {"token": fresh_code(device)})
    # then the device is confirmed and the session exists
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed and logged_in(client)
    # and the enrolment page cannot be reused to add a second device
    client.post("/accounts/logout/")
    password_step(client, "rev")
    assert client.get("/accounts/login/enrol/")["Location"] == "/accounts/login/verify/"


def test_the_password_step_expires(client, org_tree):
    user = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    totp_device_create(user=user)
    password_step(client, "liaison")
    with time_machine.travel(now() + dt.timedelta(minutes=6)):
        response = client.get("/accounts/login/verify/")
    assert response["Location"] == "/accounts/login/"


def test_verify_without_the_password_step_is_refused(client):
    assert client.get("/accounts/login/verify/")["Location"] == "/accounts/login/"
    assert client.post("/accounts/login/enrol/", {"token": "123456"})["Location"] == (
        "/accounts/login/"
    )


def test_five_wrong_passwords_lock_the_account(client, org_tree):
    make_user("cg", Role.HANDLER, scope_region=org_tree.chengguan)
    make_user("other", Role.HANDLER, scope_region=org_tree.chengguan)
    for _ in range(4):
        assert password_step(client, "cg", "wrong-password-1").status_code == 200
    # the fifth failure locks
    locked = password_step(client, "cg", "wrong-password-1")
    assert locked.status_code == 429 and 'id="locked"' in _text(locked)
    # then even the right password is refused while locked
    assert password_step(client, "cg").status_code == 429
    assert not logged_in(client)
    # the browser that failed five times is locked for other usernames too (spraying) ...
    assert password_step(client, "other").status_code == 429
    # ... but another browser logs into the other account
    assert password_step(Client(HTTP_USER_AGENT="another browser"), "other").status_code == 302
    # and the lock ends after the cool-off time
    with time_machine.travel(now() + dt.timedelta(minutes=16)):
        assert password_step(client, "cg").status_code == 302


def test_force_login_of_a_second_factor_role_is_refused(client, org_tree):
    """A session that skipped the code (any login path other than ours) is ended."""
    client.force_login(make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa))
    response = client.get("/results/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not logged_in(client)


def test_the_admin_login_goes_through_ours(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_idle_sessions_end(client, org_tree):
    make_user("cg", Role.HANDLER, scope_region=org_tree.chengguan)
    start = now()
    with time_machine.travel(start, tick=False):
        password_step(client, "cg")
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get("/rectification/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=60), tick=False):
        response = client.get("/rectification/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/rectification/"
    assert not logged_in(client)


def test_sessions_end_after_the_absolute_limit_however_active(client, org_tree, settings):
    # a limit below Django's own cookie age, so only our policy can end the session
    settings.HAOCHAPING_ACCOUNTS = {
        **settings.HAOCHAPING_ACCOUNTS,
        "SESSION_ABSOLUTE_SECONDS": 7200,
    }
    make_user("cg", Role.HANDLER, scope_region=org_tree.chengguan)
    start = now()
    with time_machine.travel(start, tick=False):
        password_step(client, "cg")
    for minutes in range(20, 120, 20):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/rectification/").status_code == 200, minutes
    with time_machine.travel(start + dt.timedelta(minutes=121), tick=False):
        assert client.get("/rectification/").status_code == 302
    assert not logged_in(client)


def _text(response) -> str:
    return response.content.decode()
