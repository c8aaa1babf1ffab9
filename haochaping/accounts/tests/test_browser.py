"""In Debian's Chromium: the first login of a second-factor role enrols a TOTP device, and the
main pages run under the content security policy without a single violation."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from haochaping.accounts.enums import Role
from haochaping.channels.services import rating_link_create
from haochaping.core.clock import now
from haochaping.testing.builders import TEST_PASSWORD, make_case, make_user
from haochaping.testing.login import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy")


class CspWatch:
    """Collects CSP violations (console errors and securitypolicyviolation events) and
    script errors of a page."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"{page.url}: script error {exc}"))
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error("
            "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI"
            " + ' ' + (e.sample || '')));"
        )

    def _console(self, message):
        if message.type == "error" and any(m in message.text for m in CSP_MARKERS):
            self.problems.append(f"{self.page.url}: {message.text}")

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, (url, response and response.status)
        # the whole policy, also on pages that set their own frame-ancestors (/r/<token>)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        self.page.wait_for_load_state("load")


def test_first_login_enrols_a_device_with_the_qr_code_or_the_secret(page, live_server, org_tree):
    # given a liaison without a device
    make_user("yangjin", Role.LIAISON, scope_region=org_tree.lhasa)
    watch = CspWatch(page)
    # when they log in with the password
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "yangjin")
    page.fill("#id_password", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    # then they see the QR code and the secret, and are not logged in yet
    expect(page).to_have_url(f"{live_server.url}/accounts/login/enrol/")
    expect(page.locator(".otp-qr svg")).to_be_visible()
    secret = page.locator("#otp-secret").inner_text().replace(" ", "")
    assert page.get_by_role("link", name="登录").count() == 1
    # when they type the code their app computes from the secret
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    code = f"{TOTP(key).token():06d}"
    page.fill("#id_token", code)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    # then they are logged in
    expect(page.locator(".who")).to_contain_text("yangjin")
    assert watch.problems == []


def test_main_pages_report_no_csp_violation(browser, live_server, org_tree):
    # given a completed case with a rating link, a liaison and an administrator
    done = now() - dt.timedelta(hours=2)
    case = make_case(org_tree, accepted_at=done - dt.timedelta(days=1), completed_at=done)
    _link, token = rating_link_create(case=case)
    make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    make_user("root", Role.ADMIN, scope_region=org_tree.lhasa, is_staff=True, is_superuser=True)
    public = [
        "/",
        "/public/",
        "/public/rankings/",
        "/public/resolution/",
        "/public/reports/",
        "/comment/",
        f"/r/{token}",
        "/accounts/login/",
    ]
    staff = [
        "/",
        "/rectification/",
        "/appeals/",
        "/results/",
        "/workdays/",
        "/coverage/",
        "/integrity/",
        "/notifications/",
        "/channels/links/",
    ]
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = CspWatch(page)
    try:
        # when a citizen opens the public pages and the rating page
        for url in public:
            watch.visit(live_server.url + url)
        expect(page.locator("form")).not_to_have_count(0)
        # and the liaison opens the staff pages, and prints a receipt snippet
        log_in(page, live_server, "liaison")
        for url in staff:
            watch.visit(live_server.url + url)
        page.fill("#id_project_no", case.project_no)
        with page.expect_navigation():
            page.click("#link-form button[value=receipt]")
        expect(page.locator("#receipt-snippet .hcp-receipt")).to_have_css("display", "flex")
        # and the language switcher (site.js, no inline handler) still submits on change
        with page.expect_navigation():
            page.select_option("#lang-select", "en")
        assert page.locator("html").get_attribute("lang") == "en"
        # and the administrator opens the admin site
        page.context.clear_cookies()
        log_in(page, live_server, "root")
        for url in ["/admin/", "/admin/accounts/user/", "/jobs/"]:
            watch.visit(live_server.url + url)
        # then no page reported a violation
        assert watch.problems == []
        # and the watch does see one: an inline style attribute is refused
        page.evaluate(
            "document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')"
        )
        page.wait_for_timeout(300)
        assert any("style-src" in p for p in watch.problems), watch.problems
    finally:
        context.close()
