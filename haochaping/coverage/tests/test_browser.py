"""The pages in a real browser (Debian Chromium through Playwright), in Chinese."""

import datetime as dt

import pytest

from haochaping.coverage import services
from haochaping.coverage.enums import CommentStatus
from haochaping.coverage.models import Comment, Sample, SupplementaryTask
from haochaping.coverage.tests.conftest import new_mobile, online_case
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit
from haochaping.rectification.models import Rectification
from haochaping.testing.login import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username, next_url):
    log_in(page, live_server, username, next_url=next_url)


def test_a_citizen_comment_reaches_the_unit_as_a_bad_review(
    page, live_server, org_tree, people, settings
):
    settings.HAOCHAPING_COVERAGE = {"FORM_MIN_SECONDS": 0}
    # given a citizen writes on the public form, in Tibetan
    page.goto(f"{live_server.url}/comment/?lang=bo")
    assert page.locator("html").get_attribute("lang") == "bo"
    page.check('input[name=subject_kind][value="unit"]')
    page.select_option("select[name=unit]", str(org_tree.police.pk))
    page.fill("textarea[name=text]", "网上预约后到大厅还要重新排队。")
    page.fill("input[name=mobile]", "13933334444")
    assert not page.locator("input[name=website]").is_visible()
    page.click("#comment-form button[type=submit]")
    page.wait_for_url("**/comment/thanks/*/")
    comment = Comment.objects.get()
    assert page.inner_text("[data-reference]") == comment.reference

    # when the bureau liaison classifies it as negative
    page.context.clear_cookies()
    login(page, live_server, people.liaison.username, "/coverage/comments/")
    page.click(f'tr[data-comment="{comment.reference}"] a')
    page.select_option("select[name=sentiment]", "negative")
    page.select_option("select[name=topic]", "process")
    page.select_option("select[name=level]", "dissatisfied")
    page.click("form.cov-form button[type=submit]")
    page.wait_for_load_state()

    # then the page links the rectification opened for the police bureau
    r = Rectification.objects.get()
    assert (r.unit, Comment.objects.get().status) == (org_tree.police, CommentStatus.ROUTED)
    page.locator(f'[data-rectification="{r.pk}"]').click()
    page.wait_for_url(f"{live_server.url}/rectification/{r.pk}/")


def test_window_records_a_phone_answer_and_supervision_interviews(
    page, live_server, org_tree, people
):
    # given an unrated online case completed yesterday, and a rated one
    from haochaping.core.clock import now

    yesterday = now() - dt.timedelta(days=1)
    case = online_case(org_tree, completed=yesterday)
    services.supplementary_tasks_create()
    task = SupplementaryTask.objects.get(case=case)
    rated = online_case(org_tree, completed=yesterday)
    rating_submit(
        case=rated,
        level=Level.SATISFIED,
        channel=Channel.PC,
        assessed_at=yesterday + dt.timedelta(hours=1),
        evaluator_mobile=new_mobile(),
    )

    # when the window staff records the citizen's phone answer
    login(page, live_server, people.window.username, "/coverage/tasks/")
    page.click(f'tr[data-task="{task.pk}"] a')
    page.select_option("select[name=level]", "very_satisfied")
    page.fill("input[name=text]", "很满意")
    page.click("input[value=phone] ~ button[type=submit]")
    page.wait_for_load_state()

    # then
    assert page.get_attribute("[data-status]", "data-status") == "rated"
    assert SupplementaryTask.objects.get(pk=task.pk).rating.is_staff_entered

    # when the supervision office draws a sample and interviews the citizen
    page.context.clear_cookies()
    login(page, live_server, people.supervisor.username, "/coverage/samples/")
    page.fill("#draw input[name=name]", "浏览器回访抽样")
    page.fill("#draw input[name=seed]", "7")
    page.click("#draw button[type=submit]")
    page.wait_for_url("**/coverage/samples/*/")
    sample = Sample.objects.get()
    assert page.inner_text("[data-seed]") == "7"
    # the citizen just called for the supplementary rating is left out (recently contacted)
    assert (sample.population, sample.excluded, sample.entries.count()) == (2, 1, 1)
    row = page.locator("tr[data-entry]").first
    row.locator("summary").click()
    row.locator("select[name=confirms_rating]").select_option("no")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".cov-flag").count() == 1
    page.click("text=" + page.locator(".cov-nav a").nth(0).inner_text())
    page.wait_for_url(f"{live_server.url}/coverage/")
    assert page.inner_text('[data-figure="online-rate"]') == "100.0%"
