"""A bad rating to a closed rectification with a satisfied callback, in a real browser
(Debian Chromium through Playwright), in Chinese."""

import pytest
from django.test import Client

from haochaping.integration.services import integration_client_create
from haochaping.integration.testclient import SignedClient
from haochaping.ratings.tests.helpers import record
from haochaping.rectification.enums import Status
from haochaping.rectification.models import ContactReveal, Evidence, Rectification
from haochaping.rectification.tests.helpers import completed_case
from haochaping.testing.login import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def login(browser, live_server, username):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, username, next_url="/rectification/")
    return page


def act(page, action, note, *, files=None):
    block = page.locator(f'details[data-action="{action}"]')
    block.locator("summary").click()
    block.locator("textarea[name=note]").fill(note)
    if files:
        block.locator("input[type=file]").set_input_files(files)
    block.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_from_a_bad_rating_to_a_satisfied_close(
    browser, live_server, org_tree, people, tmp_path, artifacts_dir
):
    # given a bad rating pushed by the hall's business system (signed API)
    case = completed_case(org_tree)
    client, secret = integration_client_create(name="市政务服务中心评价器", scope_code="540100")
    signed = SignedClient(client.app_id, secret, Client())
    response = signed.post(
        "/api/v1/ratings",
        record(
            case, satisfaction=1, evalDetail="115", writingEvaluation="窗口态度差，材料反复要求"
        ),
    )
    assert response.status_code == 201, response.content
    r = Rectification.objects.get(case=case)

    # when the police bureau's handler works it in the browser
    page = login(browser, live_server, people.handler.username)
    row = page.locator(f'tr[data-id="{r.pk}"]')
    assert case.project_no in row.inner_text()
    assert row.locator("[data-clock]").get_attribute("data-clock") in ("ok", "warning")
    row.locator("a").click()
    page.wait_for_url(f"{live_server.url}/rectification/{r.pk}/")
    assert "139****0000" in page.inner_text("#contact-box")
    page.fill("#reveal-reason", "电话联系群众了解情况")
    page.click("#contact-box button[type=submit]")
    page.locator("[data-contact-mobile]", has_text="13900000000").wait_for()  # htmx swap
    act(page, "contact", "已电话联系卓玛，了解到窗口要求重复提交材料")
    assert page.locator("h1 [data-status]").get_attribute("data-status") == "contacted"
    act(page, "start", "核实属实，开始整改")
    photo = tmp_path / "整改后窗口.png"
    photo.write_bytes(PNG)
    act(page, "feedback", "已对窗口人员培训，并修订材料清单", files=[str(photo)])
    assert page.locator("h1 [data-status]").get_attribute("data-status") == "feedback_given"
    assert page.locator("a[download]", has_text="整改后窗口.png").count() == 1
    page.context.close()

    # and the city liaison checks the file and calls the citizen back
    page = login(browser, live_server, people.liaison.username)
    page.goto(f"{live_server.url}/rectification/callbacks/")
    page.locator(f'tr[data-id="{r.pk}"] a').first.click()
    act(page, "accept_feedback", "材料齐全，同意回访")
    assert page.locator("h1 [data-status]").get_attribute("data-status") == "awaiting_callback"
    form = page.locator('details[data-action="callback"] form')
    form.locator("select[name=method]").select_option("phone")
    form.locator("select[name=outcome]").select_option("reached")
    form.locator("select[name=satisfaction]").select_option("satisfied")
    form.locator("textarea[name=note]").fill("群众表示满意")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    # then the rectification is closed, with a satisfied callback on the timeline
    assert page.locator("h1 [data-status]").get_attribute("data-status") == "closed"
    assert "已办结" in page.inner_text("h1")
    assert "满意" in page.inner_text("body")
    page.screenshot(path=str(artifacts_dir / "rectification-closed.png"), full_page=True)
    r.refresh_from_db()
    assert (r.status, r.fix_satisfaction) == (Status.CLOSED, "satisfied")
    assert ContactReveal.objects.filter(rectification=r, user=people.handler).count() == 1
    assert Evidence.objects.filter(rectification=r).count() == 1
    assert list(r.events.values_list("type", flat=True)) == [
        "rectification.opened",
        "rectification.contact_revealed",
        "rectification.contacted",
        "rectification.started",
        "rectification.feedback_given",
        "rectification.feedback_accepted",
        "rectification.closed",
    ]
    page.context.close()
