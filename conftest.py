"""Shared test fixtures: test data builders and a real browser (Debian's Chromium via Playwright)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the main thread; the Django code under test is
# synchronous and runs in live_server's thread, so this only silences a false alarm.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _english_by_default():
    """Code outside a request speaks English in tests, so assertions read as the msgids do.
    Requests still pick their language through LocaleMiddleware (default zh-hans)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_accounts(settings):
    """Tests create many users: MD5 instead of Argon2 (accounts/tests/test_passwords.py checks
    the production hasher). django-axes needs a request in authenticate(), which Client.login()
    does not pass, and force_login() skips the second factor: both are switched on again by the
    accounts tests that exercise them (haochaping/accounts/tests/conftest.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = False
    settings.HAOCHAPING_ACCOUNTS = {**settings.HAOCHAPING_ACCOUNTS, "ENFORCE_SECOND_FACTOR": False}


@pytest.fixture(autouse=True)
def _results_cache_per_test(settings, request):
    """Tests share one in-process cache and roll back their data: each test gets its own
    dashboard-cache namespace, so no test reads a block cached by another (results.dashboards)."""
    results = getattr(settings, "HAOCHAPING_RESULTS", {})
    settings.HAOCHAPING_RESULTS = {**results, "CACHE_VERSION": request.node.nodeid}


@pytest.fixture(autouse=True)
def _content_version_cache_per_test():
    """A test's rollback can remove the content version a cache remembered (a transactional
    test empties the tables, the next test installs the version again inside its own
    transaction): forget it after every test (ratings.selectors)."""
    yield
    from haochaping.ratings.selectors import content_version_cache_clear

    content_version_cache_clear()


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: apt-get install chromium (see .ci/run)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def org_tree(db):
    """A small org: Tibet > Lhasa > two counties, a city department, a county unit, a hall."""
    from haochaping.testing.builders import build_org_tree

    return build_org_tree()
