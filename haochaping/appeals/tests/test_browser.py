"""The appeal pages in a real browser (Debian Chromium via Playwright, zh-hans UI): the rated
staff member files from the notice with a PDF, a late notice shows the deadline that passed,
the reviewer decides "not adopted" and the rating leaves the counts; the bureau's further
review. The staff member's pages never show who rated them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db.models import Sum

from haochaping.appeals.models import Appeal
from haochaping.appeals.tests.helpers import EVALUATOR, MOBILE, PDF, rectification_for
from haochaping.core.clock import now
from haochaping.ratings.enums import Validity
from haochaping.ratings.models import RatingRollup
from haochaping.rectification.enums import Status as RectStatus
from haochaping.testing.login import log_in as log_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    log_in_as(page, live_server, user.username)


def test_staff_files_and_the_reviewer_sets_the_rating_aside(
    browser, page, live_server, org_tree, people, artifacts_dir, tmp_path
):
    # given a bad review of 扎西顿珠's service today, and an older one whose period has passed
    with time_machine.travel(now() - dt.timedelta(days=20), tick=False):
        old = rectification_for(org_tree)
    r = rectification_for(org_tree)
    counted = RatingRollup.objects.filter(unit=org_tree.police).aggregate(n=Sum("count"))["n"]
    evidence = tmp_path / "监控截图.pdf"
    evidence.write_bytes(PDF)
    # when the staff member opens their notices
    log_in(page, live_server, people.staff)
    page.goto(live_server.url + "/appeals/notices/")
    assert page.locator("tr[data-notice]").count() == 2
    # the old notice: the period is over, and the page says until when it ran
    page.locator(f'a[href="/appeals/file/{old.pk}/"]').click()
    deadline = old.appeal_notice.file_due_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert page.get_by_test_id("period-ended").inner_text() == (
        f"申请期限已于 {deadline:%Y-%m-%d %H:%M} 届满。"
    )
    # the open one: read it and appeal with a PDF
    page.goto(live_server.url + "/appeals/notices/")
    page.get_by_role("link", name="查看通知并申请复核").click()
    facts = page.get_by_test_id("review-facts").inner_text()
    assert "居民身份证申领" in facts and "窗口态度生硬" in facts
    page.get_by_label("评价有误或属恶意评价的理由").fill("当日该群众未在本窗口办理业务,监控可证。")
    page.get_by_label("佐证材料（JPEG、PNG 或 PDF）").set_input_files(str(evidence))
    page.get_by_role("button", name="提交复核申请").click()
    # then the appeal is pending with the reviewing unit and the 7-working-day due date
    appeal = Appeal.objects.get(rectification=r)
    assert page.locator("h1 small").get_attribute("data-status") == "pending"
    assert page.locator("h1 small").inner_text() == "待复核决定"
    assert page.get_by_role("link", name="监控截图.pdf").count() == 1
    page.screenshot(path=str(artifacts_dir / "appeal-filed-zh.png"), full_page=True)
    # and nowhere does the staff member see the evaluator
    for path in (
        "/appeals/notices/",
        f"/appeals/file/{r.pk}/",
        f"/appeals/{appeal.pk}/",
        "/appeals/",
    ):
        page.goto(live_server.url + path)
        html = page.content()
        for secret in (EVALUATOR, MOBILE, "139****5678", r.case.project_no, r.rating.receipt):
            assert secret not in html, (path, secret)

    # when the reviewer (city government: the police bureau's supervising department) decides
    reviewer_context = browser.new_context(locale="zh-CN")
    rpage = reviewer_context.new_page()
    rpage.set_default_timeout(10_000)
    log_in(rpage, live_server, people.reviewer)
    rpage.goto(live_server.url + "/appeals/")
    rpage.get_by_test_id("pending").get_by_role("link", name=appeal.label).click()
    assert rpage.get_by_test_id("reasons").inner_text() == "当日该群众未在本窗口办理业务,监控可证。"
    rpage.get_by_label("不予采纳（误评或恶意评价）").check()
    rpage.get_by_label("书面理由").fill("调取监控,评价人当日未在该窗口办理业务,系误评。")
    rpage.get_by_role("button", name="保存复核决定").click()
    # then the decision shows, the rating is excluded and the count dropped by exactly one
    assert rpage.locator("h1 small").inner_text() == "已决定"
    assert rpage.get_by_test_id("outcome").inner_text().startswith("不予采纳（误评或恶意评价）")
    rpage.screenshot(path=str(artifacts_dir / "appeal-decided-zh.png"), full_page=True)
    appeal.refresh_from_db()
    assert appeal.rating.validity == Validity.EXCLUDED
    assert appeal.rectification.status == RectStatus.WITHDRAWN
    assert (
        RatingRollup.objects.filter(unit=org_tree.police).aggregate(n=Sum("count"))["n"]
        == counted - 1
    )
    # the staff member sees the outcome; no further review is offered after "not adopted"
    page.goto(live_server.url + f"/appeals/{appeal.pk}/")
    assert page.get_by_test_id("outcome").inner_text().startswith("不予采纳")
    assert page.locator('[data-form="request_further"]').count() == 0
    reviewer_context.close()


def test_further_review_by_the_city_bureau(
    browser, page, live_server, org_tree, people, artifacts_dir
):
    from haochaping.appeals import services
    from haochaping.appeals.tests.helpers import filed

    # given an appeal the reviewer upheld
    a = filed(org_tree, people)
    services.appeal_decide(
        appeal_id=a.pk, outcome="upheld", reason="评价属实", acting_user=people.reviewer
    )
    # when the staff member asks for a further review
    log_in(page, live_server, people.staff)
    page.goto(live_server.url + f"/appeals/{a.pk}/")
    page.get_by_label("再复核理由").fill("复核未调取监控")
    page.get_by_role("button", name="申请再复核").click()
    assert page.locator("h1 small").inner_text() == "市局再复核中"
    # then the bureau's reviewer finds it in the further-review queue and decides
    bureau = browser.new_context(locale="zh-CN")
    bpage = bureau.new_page()
    bpage.set_default_timeout(10_000)
    log_in(bpage, live_server, people.bureau_reviewer)
    bpage.goto(live_server.url + "/appeals/further/")
    bpage.get_by_test_id("further-pending").get_by_role("link", name=a.label).click()
    bpage.get_by_label("维持：评价有效").check()
    bpage.get_by_label("书面理由").fill("经再复核,维持原决定。")
    bpage.get_by_role("button", name="保存再复核决定").click()
    assert bpage.locator("h1 small").inner_text() == "终结（再复核后）"
    assert bpage.get_by_test_id("further-outcome").inner_text().startswith("维持：评价有效")
    bpage.screenshot(path=str(artifacts_dir / "appeal-further-zh.png"), full_page=True)
    bureau.close()
