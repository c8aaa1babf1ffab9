"""Inactive accounts, the periodic job, and the operators' commands."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.accounts.services import totp_device_create
from haochaping.accounts.twofactor import DEMO_TOTP_KEY_HEX
from haochaping.core.clock import now
from haochaping.jobs.periodic import periodic_jobs
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def ages(org_tree):
    """Users last seen 100 days ago, 10 days ago, never (joined 100 days ago), and a superuser."""
    t = now()
    with time_machine.travel(t - dt.timedelta(days=100)):
        stale = make_user("stale", Role.HANDLER, scope_region=org_tree.chengguan)
        never = make_user("never", Role.HANDLER, scope_region=org_tree.chengguan)
        root = make_user("root", Role.ADMIN, is_superuser=True)
    recent = make_user("recent", Role.HANDLER, scope_region=org_tree.chengguan)
    User.objects.filter(pk__in=[stale.pk, root.pk]).update(last_login=t - dt.timedelta(days=100))
    User.objects.filter(pk=recent.pk).update(last_login=t - dt.timedelta(days=10))
    return {"stale": stale, "never": never, "root": root, "recent": recent}


def active(username: str) -> bool:
    return User.objects.get(username=username).is_active


def test_the_daily_job_deactivates_accounts_idle_past_the_limit(ages):
    # given the job as the scheduler runs it
    job = next(j for j in periodic_jobs() if j.name == "accounts-deactivate-inactive")
    # when it runs
    result = job.load_task().call()
    # then the two idle accounts are off; the recent one and the superuser stay
    assert result == {"deactivated": 2}
    assert not active("stale") and not active("never")
    assert active("recent") and active("root")


def test_the_limit_is_configurable(ages, settings):
    settings.HAOCHAPING_ACCOUNTS = {**settings.HAOCHAPING_ACCOUNTS, "INACTIVE_DAYS": 5}
    out = json.loads(run("accounts", "deactivate-inactive"))
    assert sorted(out["deactivated"]) == ["never", "recent", "stale"]
    assert json.loads(run("accounts", "deactivate-inactive", "--days", "1")) == {"deactivated": []}


def test_reset_otp_makes_the_next_login_enrol(org_tree):
    user = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    totp_device_create(user=user)
    assert json.loads(run("accounts", "reset-otp", "liaison")) == {"devices_removed": 1}
    assert not TOTPDevice.objects.filter(user=user).exists()
    with pytest.raises(CommandError):
        run("accounts", "reset-otp", "nobody")


def test_revoke_tablet_ends_its_token(org_tree, client):
    from haochaping.channels.services import device_create, device_pair

    liaison = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    device, code = device_create(window=org_tree.window, name="A01", acting_user=liaison)
    device, token = device_pair(code=code)
    listed = [json.loads(line) for line in run("accounts", "list-tablets").splitlines()]
    assert listed == [
        {
            "device": device.pk,
            "name": "A01",
            "window": str(org_tree.window),
            "paired": True,
            "revoked": False,
        }
    ]
    client.cookies["hcp_device"] = token
    assert client.get("/tablet/poll?wait=0").status_code in (200, 204)
    out = json.loads(run("accounts", "revoke-tablet", str(device.pk)))
    assert client.get("/tablet/poll?wait=0").status_code == 401
    device.refresh_from_db()
    assert out["device"] == device.pk and device.revoked_at is not None
    assert device.token_hash == ""
    with pytest.raises(CommandError):
        run("accounts", "revoke-tablet", "999999")


def test_otp_code_prints_the_demo_device_code_in_demo_mode(org_tree, settings):
    settings.SECRET_KEY = settings.INSECURE_DEMO_SECRET_KEY
    user = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    device = totp_device_create(user=user, key_hex=DEMO_TOTP_KEY_HEX)
    code = run("otp_code", "liaison").strip()
    assert len(code) == 6 and device.verify_token(code)


def test_otp_code_refuses_outside_demo_mode(org_tree, settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "a-real-production-key-" + "x" * 40
    user = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    totp_device_create(user=user, key_hex=DEMO_TOTP_KEY_HEX)
    with pytest.raises(CommandError, match="demo mode"):
        run("otp_code", "liaison")


def test_otp_code_refuses_a_device_with_a_private_secret(org_tree, settings):
    settings.SECRET_KEY = settings.INSECURE_DEMO_SECRET_KEY
    totp_device_create(user=make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa))
    with pytest.raises(CommandError, match="published demo secret"):
        run("otp_code", "liaison")
