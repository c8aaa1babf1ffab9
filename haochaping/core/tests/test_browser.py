import pytest

from haochaping.accounts.enums import Role
from haochaping.testing.builders import make_case, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_log_in_and_switch_language_in_a_real_browser(
    page, live_server, org_tree, artifacts_dir
):
    # given
    make_case(org_tree, item_key="cg_hukou")
    make_user("cg", Role.HANDLER, scope_region=org_tree.chengguan)
    page.set_viewport_size({"width": 390, "height": 844})
    # when: a county handler logs in from the home page
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "政务服务好差评"
    page.get_by_role("link", name="工作人员登录").click()
    page.get_by_label("用户名").fill("cg")
    page.get_by_label("密码").fill("Test-pass-2026!")
    page.get_by_role("button", name="登录").click()
    # then: the home page shows their scope
    assert page.locator('[data-figure="cases"]').inner_text() == "1"
    # when: they switch to Tibetan
    with page.expect_navigation():  # the switcher submits its form on change
        page.select_option("#lang-select", "bo")
    # then
    assert page.locator("html").get_attribute("lang") == "bo"
    assert page.locator("h1").inner_text() == "གཞུང་ཞབས་ཞབས་ཞུའི་ལེགས་ཉེས་དཔྱད་བརྗོད།"
    page.screenshot(path=str(artifacts_dir / "home-bo-phone.png"), full_page=True)
