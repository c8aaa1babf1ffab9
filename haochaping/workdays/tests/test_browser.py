"""The calendar page in a real browser (Debian Chromium through Playwright)."""

import pytest

from haochaping.accounts.enums import Role
from haochaping.testing.builders import make_user
from haochaping.testing.login import log_in
from haochaping.workdays.models import CalendarAudit, CalendarEntry
from haochaping.workdays.tests.helpers import d

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username):
    log_in(page, live_server, username, next_url="/workdays/?year=2031")


def test_liaison_adds_an_entry_and_sees_it_listed(page, live_server):
    # given
    make_user("liaison", Role.LIAISON)
    login(page, live_server, "liaison")
    # when: the htmx form is posted
    page.fill("#id_date", "2031-08-20")
    page.select_option("#id_kind", "holiday")
    page.fill("#id_name", "雪顿节")
    page.fill("#id_source", "拉萨市人民政府通知")
    page.fill("#id_region_code", "540100")
    page.click("#entry-form button[type=submit]")
    # then
    row = page.locator('tr[data-date="2031-08-20"][data-scope="540100"]')
    row.wait_for()
    assert "雪顿节" in row.inner_text()
    assert CalendarAudit.objects.get(date=d("2031-08-20")).actor_label == "liaison"


def test_bad_region_shows_the_error_in_place(page, live_server):
    make_user("liaison", Role.LIAISON)
    login(page, live_server, "liaison")
    page.fill("#id_date", "2031-08-20")
    page.fill("#id_name", "雪顿节")
    page.fill("#id_source", "通知")
    page.fill("#id_region_code", "999999")
    page.click("#entry-form button[type=submit]")
    error = page.locator('[data-field-errors="region_code"]')
    error.wait_for()
    assert "999999" in error.inner_text()
    assert page.url == f"{live_server.url}/workdays/?year=2031"
    assert not CalendarEntry.objects.filter(date__year=2031).exists()


def test_import_preview_then_confirm(page, live_server, tmp_path):
    # given
    make_user("liaison", Role.LIAISON)
    login(page, live_server, "liaison")
    path = tmp_path / "national-2031.csv"
    path.write_text(
        "date,kind,region,name,source\n2031-01-01,holiday,,元旦,国务院通知2031\n"
        "2031-02-22,workday,,春节,国务院通知2031\n",
        encoding="utf-8",
    )
    # when
    page.goto(f"{live_server.url}/workdays/import/")
    page.set_input_files("#id_file", str(path))
    page.click("form.form button[type=submit]")
    # then: a preview, nothing changed yet
    page.locator('[data-testid="import-summary"]').wait_for()
    assert page.locator("#preview tbody tr").count() == 2
    assert not CalendarEntry.objects.filter(date__year=2031).exists()
    # when confirmed
    page.click('form[action="/workdays/import/"] button[type=submit]')
    page.locator('tr[data-date="2031-02-22"]').wait_for()
    assert CalendarEntry.objects.filter(date__year=2031).count() == 2
