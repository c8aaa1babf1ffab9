"""Log a Playwright page in through the real login form, second factor included."""

from __future__ import annotations

import time
from urllib.parse import quote

from django_otp.oath import TOTP

from haochaping.accounts.models import User
from haochaping.accounts.services import totp_device_create
from haochaping.accounts.twofactor import code_at, confirmed_device, requires_second_factor
from haochaping.testing.builders import TEST_PASSWORD


def fresh_code(device) -> str:
    """A code the device has not accepted yet: TOTP refuses a code twice, so a second login
    within the same 30 seconds takes the next step's code (inside the one-step tolerance)."""
    device.refresh_from_db()
    stamp = time.time()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = stamp
    if totp.t() <= device.last_t:
        stamp += (device.last_t + 1 - totp.t()) * device.step
    return code_at(device, stamp)


def log_in(page, live_server, username: str, *, password: str = TEST_PASSWORD, next_url: str = ""):
    """Fill the login form; for a second-factor role, give the user a device (if they have
    none) and type its current code. Waits for ``next_url`` when given."""
    user = User.objects.get(username=username)
    device = None
    if requires_second_factor(user):
        device = confirmed_device(user) or totp_device_create(user=user)
    url = f"{live_server.url}/accounts/login/"
    if next_url:
        url += "?next=" + quote(next_url)
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    if device is not None:
        page.fill("#id_token", fresh_code(device))
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
    if next_url:
        page.wait_for_url(live_server.url + next_url)
