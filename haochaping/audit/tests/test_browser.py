"""In Debian's Chromium: from the public site's footer to the published chain heads."""

import pytest
from playwright.sync_api import expect

from haochaping.audit.sealer import audit_seal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_finds_todays_chain_head_from_the_public_site(page, live_server, org_tree):
    # given
    head = audit_seal()
    page.goto(f"{live_server.url}/public/?lang=en")
    # when
    with page.expect_navigation():
        page.get_by_role("link", name="Audit chain heads").click()
    # then
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit chain heads")
    row = page.get_by_role("row").filter(has_text=head.head_hash)
    expect(row.get_by_role("cell").first).to_have_text(str(head.head_seq))
    # and in Tibetan the page still names the hash
    with page.expect_navigation():
        page.get_by_role("link", name="བོད་ཡིག").click()
    expect(page.locator("code")).to_have_text(head.head_hash)
