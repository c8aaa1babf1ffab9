"""Upload checks through HTTP: evidence is judged by its content (a PDF that runs scripts is
refused, whatever its name), and the calendar import has a size limit."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from haochaping.accounts.enums import Role
from haochaping.rectification.models import Evidence
from haochaping.rectification.tests.conftest import ensure_calendar
from haochaping.rectification.tests.helpers import open_rectification
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PDF_WITH_SCRIPT = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n"
    + b" " * 70_000  # the script sits past the first 64 KB chunk
    + b"2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n%%EOF\n"
)


@pytest.fixture
def handler_client(org_tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_calendar()
    client = Client(headers={"accept-language": "en"})
    client.force_login(make_user("h-police", Role.HANDLER, scope_unit=org_tree.police))
    return client


def upload(client, rectification, *files):
    return client.post(
        f"/api/v1/rectifications/{rectification.pk}/evidence",
        {"files": list(files), "note": "evidence"},
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", PDF_WITH_SCRIPT, "the PDF contains scripts"),
        ("photo.jpg", PDF, "the content is not a JPEG, PNG or PDF file"),
        ("page.html", b"<script>alert(1)</script>", "only JPEG, PNG and PDF"),
    ],
)
def test_evidence_is_judged_by_content(handler_client, org_tree, name, content, message):
    r = open_rectification(org_tree)
    response = upload(handler_client, r, SimpleUploadedFile(name, content, "application/pdf"))
    assert response.status_code == 422
    assert message in response.json()["extra"]["errors"]["files"][0]
    assert not Evidence.objects.exists()


def test_a_plain_pdf_is_stored_as_a_pdf_whatever_the_browser_claims(handler_client, org_tree):
    r = open_rectification(org_tree)
    response = upload(handler_client, r, SimpleUploadedFile("report.pdf", PDF, "text/html"))
    assert response.status_code == 201
    assert Evidence.objects.get().content_type == "application/pdf"


def test_the_calendar_import_refuses_a_file_over_one_megabyte(org_tree):
    client = Client(headers={"accept-language": "en"})
    client.force_login(make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa))
    big = SimpleUploadedFile("calendar.csv", b"date,kind\n" + b"2031-01-01,holiday\n" * 60_000)
    response = client.post("/workdays/import/", {"file": big})
    assert response.status_code == 422
    assert "The file is larger than 1 MB." in response.content.decode()
