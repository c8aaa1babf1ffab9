"""The published daily chain heads and the periodic sealer job."""

import pytest

from haochaping.audit.models import AuditRecord
from haochaping.audit.sealer import audit_seal
from haochaping.jobs.periodic import periodic_jobs

pytestmark = pytest.mark.django_db


def test_the_public_page_shows_each_days_head_without_a_session(client, org_tree):
    # given
    result = audit_seal()
    # when
    page = client.get("/public/audit/?lang=en")
    data = client.get("/public/audit/heads.json")
    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert f"<td>{result.head_seq}</td><td><code>{result.head_hash}</code></td>" in html
    assert "Set-Cookie" not in page.headers and page.headers["Cache-Control"].startswith("public")
    assert data.json() == [
        {"day": data.json()[0]["day"], "seq": result.head_seq, "hash": result.head_hash}
    ]


def test_the_public_site_links_to_the_heads(client, org_tree):
    html = client.get("/public/?lang=en").content.decode()
    assert 'href="/public/audit/?lang=en"' in html


def test_the_page_says_when_nothing_is_sealed(client, db):
    assert "Nothing sealed yet." in client.get("/public/audit/?lang=en").content.decode()


def test_the_sealer_runs_as_a_periodic_job_every_minute(org_tree):
    # given
    job = next(j for j in periodic_jobs() if j.name == "audit-seal")
    assert job.schedule.describe() == "every 1 min"
    # when
    result = job.load_task().call()
    # then
    assert result["rows"] == AuditRecord.objects.count() > 0
    assert not AuditRecord.objects.filter(seq__isnull=True).exists()
    assert AuditRecord.objects.filter(action="ratings.sealed").count() == 0


def test_the_page_speaks_chinese_by_default(client, db):
    html = client.get("/public/audit/").content.decode()
    assert "<h1>审计链头公示</h1>" in html and "尚无封存记录。" in html
