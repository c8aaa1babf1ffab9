"""Pages: review page, archive with SHA-256, permission-checked downloads, the public list."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse
from django.utils import translation

from haochaping.accounts.enums import Role
from haochaping.core.exceptions import InvalidTransition
from haochaping.reporting import services
from haochaping.reporting.models import Report, ReportFile
from haochaping.testing.builders import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def _publish(report, user):
    services.report_submit(report_id=report.pk, acting_user=user)
    services.report_publish(report_id=report.pk, acting_user=user)
    services.report_files_archive(report_id=report.pk)


def test_bureau_review_page_actions(dataset, liaison, client):
    # given
    _login(client, liaison)
    # when the liaison generates a draft through the page
    response = client.post(reverse("reports:generate"), {"kind": "annual", "period": "2026"})
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    # then comments, text, submit work through the pages
    url = lambda name: reverse("reports:action", args=[report.pk, name])  # noqa: E731
    client.post(url("comment"), {"text": "得分口径请再核对"})
    client.post(url("sections"), {"problems_found": "当雄县无评价数据", "typical_cases": ""})
    client.post(url("submit"))
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "得分口径请再核对" in page
    assert "当雄县无评价数据" in page
    assert 'data-table="assessment"' in page
    assert "52.94" in page
    report.refresh_from_db()
    assert report.state == "in_review"
    # an action not allowed in the state answers 409 with the message
    response = client.post(url("submit"))
    assert response.status_code == 409
    with translation.override("zh-hans"):
        message = str(InvalidTransition.default_message)
    assert f'<h1 class="error">{message}</h1>' in response.content.decode()
    # a preview renders without archiving
    preview = client.get(reverse("reports:preview", args=[report.pk, "xlsx"]))
    assert preview.status_code == 200
    assert preview.content[:2] == b"PK"
    assert not ReportFile.objects.exists()


def test_roles_and_downloads(dataset, liaison, supervisor, client):
    # given a published bulletin (public) with its files, and an internal draft
    bulletin = services.report_generate(
        kind="monthly_bulletin", period_key="2026-10", acting_user=liaison
    )
    _publish(bulletin, liaison)
    draft = services.report_generate(
        kind="monthly_bad_reviews", period_key="2026-10", acting_user=liaison
    )
    xlsx = ReportFile.objects.get(report=bulletin, format="xlsx")
    # the bureau sees both, with the SHA-256 in the archive
    _login(client, liaison)
    index = client.get(reverse("reports:index")).content.decode()
    assert f'data-report="{draft.pk}"' in index and xlsx.sha256 in index
    download = client.get(reverse("reports:download", args=[xlsx.pk]))
    assert download.status_code == 200
    assert (
        download["X-Content-SHA256"] == hashlib.sha256(download.content).hexdigest() == xlsx.sha256
    )
    # supervision sees released versions only: the draft is "not found"
    client.logout()
    _login(client, supervisor)
    index = client.get(reverse("reports:index")).content.decode()
    assert f'data-report="{bulletin.pk}"' in index and f'data-report="{draft.pk}"' not in index
    assert client.get(reverse("reports:detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("reports:download", args=[xlsx.pk])).status_code == 200
    assert client.post(reverse("reports:action", args=[draft.pk, "submit"])).status_code == 403
    assert client.get(reverse("reports:preview", args=[bulletin.pk, "pdf"])).status_code == 403
    # a handler and window staff have no access at all
    for role in (Role.HANDLER, Role.WINDOW_STAFF):
        client.logout()
        _login(client, make_user(f"x-{role}", role))
        assert client.get(reverse("reports:index")).status_code == 403
        assert client.get(reverse("reports:download", args=[xlsx.pk])).status_code == 403
    # anonymous users are sent to log in
    client.logout()
    assert client.get(reverse("reports:download", args=[xlsx.pk])).status_code == 302
    # the public site lists the published bulletin's files, with their SHA-256
    public = client.get(reverse("public_reports:list") + "?lang=bo")
    assert public.status_code == 200
    body = public.content.decode()
    assert "ཟླ་རེའི་གསལ་བསྒྲགས།" in body and xlsx.sha256 in body
    got = client.get(reverse("public_reports:download", args=[xlsx.pk]))
    assert hashlib.sha256(got.content).hexdigest() == xlsx.sha256
    # an internal report's file never reaches the public site
    services.report_submit(report_id=draft.pk, acting_user=liaison)
    services.report_publish(report_id=draft.pk, acting_user=liaison)
    internal = ReportFile.objects.create(
        report=draft,
        format="xlsx",
        audience="internal",
        content=b"x",
        sha256=hashlib.sha256(b"x").hexdigest(),
        size=1,
        created_at=draft.created_at,
    )
    assert client.get(reverse("public_reports:download", args=[internal.pk])).status_code == 404
    assert internal.sha256 not in client.get(reverse("public_reports:list")).content.decode()


def test_menu_entry_for_oversight_roles(db, client):
    from haochaping.core.navigation import menu_for

    assert "reports:index" in [e["name"] for e in menu_for(make_user("l2", Role.LEADER))]
    assert "reports:index" not in [e["name"] for e in menu_for(make_user("h2", Role.HANDLER))]
