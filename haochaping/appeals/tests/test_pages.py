"""The pages through the test client: statuses for every refusal, and what the rated staff
member's pages never contain."""

import pytest

from haochaping.appeals.tests.conftest import login
from haochaping.appeals.tests.helpers import (
    EVALUATOR,
    MOBILE,
    at,
    decided,
    filed,
    rectification_for,
)

pytestmark = pytest.mark.django_db


def test_the_staff_member_files_from_the_notice_page(org_tree, people, clock):
    r = rectification_for(org_tree)
    client = login(people.staff)
    page = client.get(f"/appeals/file/{r.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert (
        "Notice delivered 2026-10-12 09:00. An appeal may be filed within 3 working days, until 2026-10-15 18:00."
        in text
    )
    for secret in (EVALUATOR, MOBILE, "139****5678", r.case.project_no, r.rating.receipt):
        assert secret not in text
    response = client.post(f"/appeals/file/{r.pk}/", {"reasons": "群众误评"})
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "群众误评" in detail and EVALUATOR not in detail and MOBILE not in detail


def test_a_late_filing_shows_the_deadline_that_passed(org_tree, people, clock):
    r = rectification_for(org_tree)
    clock.move_to(at("2026-10-16 09:00"))
    client = login(people.staff)
    assert (
        "The appeal period ended on 2026-10-15 18:00."
        in client.get(f"/appeals/file/{r.pk}/").content.decode()
    )
    response = client.post(f"/appeals/file/{r.pk}/", {"reasons": "群众误评"})
    assert response.status_code == 409
    assert (
        "The appeal period ended on 2026-10-15 18:00 (3 working days after the rectification "
        "notice of 2026-10-12 09:00). A late appeal cannot be filed."
    ) in response.content.decode()


def test_page_refusals(org_tree, people, clock):
    a = filed(org_tree, people)
    r = a.rectification
    assert login(people.other_staff).get(f"/appeals/file/{r.pk}/").status_code == 404
    assert login(people.liaison).get(f"/appeals/file/{r.pk}/").status_code == 403
    assert login(people.other_staff).get(f"/appeals/{a.pk}/").status_code == 404
    assert login(people.cg_reviewer).get(f"/appeals/{a.pk}/").status_code == 404
    assert (
        login(people.staff)
        .post(f"/appeals/{a.pk}/decide/", {"outcome": "upheld", "reason": "x"})
        .status_code
        == 403
    )
    response = login(people.reviewer).post(
        f"/appeals/{a.pk}/decide/", {"outcome": "", "reason": ""}
    )
    assert response.status_code == 422
    assert login(people.staff).get("/appeals/figures/").status_code == 403
    assert login(people.staff).get("/appeals/further/").status_code == 403
    assert login(people.reviewer).get("/appeals/notices/").status_code == 403
    assert login(people.staff).get("/appeals/").status_code == 200


def test_the_rectification_page_shows_the_appeal_panel(org_tree, people, clock):
    r = rectification_for(org_tree)
    client = login(people.handler)
    text = client.get(f"/rectification/{r.pk}/").content.decode()
    assert "The rated staff member (or the unit) may appeal until 2026-10-15 18:00." in text
    assert f'href="/appeals/file/{r.pk}/"' in text
    a = filed(org_tree, people, rectification=r)
    text = client.get(f"/rectification/{r.pk}/").content.decode()
    assert f"{a.label}</a> · Awaiting the reviewer&#x27;s decision" in text
    assert (
        "Reviewed by 拉萨市人民政府; decision due 2026-10-21 18:00. The clocks are paused meanwhile."
        in text
    )


def test_queues_and_figures_pages(org_tree, people, clock):
    pending = filed(org_tree, people)
    done = decided(org_tree, people, "upheld")
    text = login(people.reviewer).get("/appeals/").content.decode()
    assert f'data-appeal="{pending.pk}"' in text and f'data-appeal="{done.pk}"' in text
    figures = login(people.supervisor).get("/appeals/figures/?by=reviewer").content.decode()
    assert 'data-by="reviewer"' in figures and "拉萨市人民政府" in figures
    # the staff member's landing page lists the notices still open for appeal
    other = rectification_for(org_tree)
    text = login(people.staff).get("/appeals/").content.decode()
    assert f'href="/appeals/file/{other.pk}/"' in text
