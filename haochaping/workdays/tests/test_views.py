"""The calendar page through HTTP: roles, add/edit/delete, import preview/confirm, export, audit."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from haochaping.accounts.enums import Role
from haochaping.testing.builders import make_user
from haochaping.workdays.models import CalendarAudit, CalendarEntry
from haochaping.workdays.tests.helpers import d

pytestmark = pytest.mark.django_db

GOOD = {
    "date": "2031-08-20",
    "kind": "holiday",
    "name": "雪顿节",
    "source": "拉萨市通知",
    "region_code": "540100",
}


@pytest.fixture
def liaison_client(client, liaison):
    client.force_login(liaison)
    return client


def test_anonymous_is_sent_to_login(client):
    response = client.get("/workdays/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", [Role.HANDLER, Role.WINDOW_STAFF, Role.LEADER, Role.SUPERVISOR])
def test_other_roles_are_refused(client, role):
    client.force_login(make_user("u", role))
    assert client.get("/workdays/").status_code == 403
    assert client.post("/workdays/entries/new/", GOOD).status_code == 403
    assert not CalendarEntry.objects.filter(date=d("2031-08-20")).exists()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LIAISON])
def test_admin_and_liaison_see_the_year(client, shipped, role):
    client.force_login(make_user("u", role))
    html = client.get("/workdays/?year=2026&scope=540100").content.decode()
    assert 'data-date="2026-02-26" data-kind="holiday" data-scope="540100"' in html
    assert 'data-scope=""' not in html  # scope filter: only Lhasa's entries
    assert "拉萨市人民政府2026年春节、藏历新年放假安排" in html


def test_superuser_sees_the_page(admin_client):
    assert admin_client.get("/workdays/").status_code == 200


def test_add_entry_then_listed_and_audited(liaison_client):
    liaison_client.cookies["django_language"] = "en"
    # when
    response = liaison_client.post("/workdays/entries/new/", GOOD)
    # then
    assert response.status_code == 302
    assert response["Location"] == "/workdays/?year=2031"
    page = liaison_client.get(response["Location"]).content.decode()
    assert 'data-date="2031-08-20" data-kind="holiday" data-scope="540100"' in page
    assert "Entry added: 2031-08-20 Holiday 雪顿节. Open deadlines recomputed: 0." in page
    audit = CalendarAudit.objects.get(date=d("2031-08-20"))
    assert audit.actor_label == "liaison"


def test_add_via_htmx_redirects_by_header(liaison_client):
    response = liaison_client.post("/workdays/entries/new/", GOOD, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/workdays/?year=2031"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"region_code": "999999"}, "region_code", "Unknown region code “999999”."),
        ({"date": "2031-02-30"}, "date", "Enter a valid date."),
        (
            {"kind": "workday"},
            "date",
            "2031-08-20 is a weekday: a make-up working day must fall on a weekend.",
        ),
        ({"source": ""}, "source", "This field is required."),
    ],
)
def test_bad_input_shows_a_field_error_and_changes_nothing(liaison_client, changes, field, message):
    # given English, so the exact message can be asserted
    liaison_client.cookies["django_language"] = "en"
    # when
    response = liaison_client.post("/workdays/entries/new/", {**GOOD, **changes})
    # then
    assert response.status_code == 422
    html = response.content.decode()
    assert f'data-field-errors="{field}">{message}</span>' in html
    assert not CalendarEntry.objects.filter(date__year=2031).exists()
    assert not CalendarAudit.objects.filter(date__year=2031).exists()


def test_bad_input_via_htmx_returns_the_form_fragment(liaison_client):
    liaison_client.cookies["django_language"] = "en"
    response = liaison_client.post(
        "/workdays/entries/new/", {**GOOD, "region_code": "123"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<form id="entry-form"')
    assert "is not a region code: A region code has 6, 9 or 12 digits." in html


def test_conflict_on_the_same_date_and_scope(liaison_client):
    liaison_client.cookies["django_language"] = "en"
    liaison_client.post("/workdays/entries/new/", GOOD)
    response = liaison_client.post("/workdays/entries/new/", {**GOOD, "name": "again"})
    assert response.status_code == 422
    assert (
        "2031-08-20 already has an entry in this scope (Holiday: 雪顿节). Edit that entry instead."
        in response.content.decode()
    )
    assert CalendarEntry.objects.filter(date=d("2031-08-20")).count() == 1


def test_edit_and_delete(liaison_client):
    liaison_client.post("/workdays/entries/new/", GOOD)
    entry = CalendarEntry.objects.get(date=d("2031-08-20"))
    # edit
    assert liaison_client.get(f"/workdays/entries/{entry.pk}/edit/").status_code == 200
    response = liaison_client.post(
        f"/workdays/entries/{entry.pk}/edit/", {**GOOD, "name": "雪顿节（修订）"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.name == "雪顿节（修订）"
    # delete through htmx: the row disappears
    response = liaison_client.post(
        f"/workdays/entries/{entry.pk}/delete/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.content == b""
    assert not CalendarEntry.objects.filter(pk=entry.pk).exists()
    assert list(
        CalendarAudit.objects.filter(entry_id=entry.pk)
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["created", "updated", "deleted"]
    assert liaison_client.get(f"/workdays/entries/{entry.pk}/edit/").status_code == 404


def _upload(text, name="calendar-2031.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


CSV = "date,kind,region,name,source\n2031-01-01,holiday,,元旦,国务院通知2031\n2031-02-22,workday,,春节,国务院通知2031\n"


def test_import_preview_then_confirm(liaison_client):
    liaison_client.cookies["django_language"] = "en"
    # when: preview
    response = liaison_client.post("/workdays/import/", {"file": _upload(CSV)})
    # then nothing changed yet
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        '<p data-testid="import-summary">2 to add, 0 to change, 0 to delete, 0 unchanged.</p>'
        in html
    )
    assert not CalendarEntry.objects.filter(date__year=2031).exists()
    # when: confirm with the hidden fields of the preview
    response = liaison_client.post(
        "/workdays/import/",
        {"confirm": "1", "content": CSV, "fmt": "csv", "year": "2031"},
        follow=True,
    )
    # then
    assert CalendarEntry.objects.filter(date__year=2031).count() == 2
    assert (
        "Imported: 2 added, 0 changed, 0 deleted, 0 unchanged. Open deadlines recomputed: 0."
        in response.content.decode()
    )


def test_import_preview_lists_errors_and_offers_no_confirm(liaison_client):
    liaison_client.cookies["django_language"] = "en"
    bad = CSV + "2031-02-22,holiday,,春节,x\n2030-05-01,holiday,,y,x\n"
    response = liaison_client.post("/workdays/import/", {"file": _upload(bad), "year": "2031"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "3 lines have errors: fix the file and upload it again. Nothing was changed." in html
    assert "<li>Conflict: line 4 makes 2031-02-22 a Holiday in the same scope.</li>" in html
    assert "<li>2030-05-01 is outside the year 2031.</li>" in html
    assert 'name="confirm"' not in html


def test_import_refuses_an_unreadable_file(liaison_client):
    liaison_client.cookies["django_language"] = "en"
    response = liaison_client.post("/workdays/import/", {"file": _upload("{oops", "x.json")})
    assert response.status_code == 422
    assert (
        'data-field-errors="file">The file is not valid JSON.</span>' in response.content.decode()
    )


def test_tampered_confirm_is_revalidated(liaison_client):
    liaison_client.cookies["django_language"] = "en"
    bad = "date,kind,region,name,source\n2031-01-01,holiday,888888,x,y\n"
    response = liaison_client.post(
        "/workdays/import/", {"confirm": "1", "content": bad, "fmt": "csv", "year": "2031"}
    )
    assert response.status_code == 422
    assert "Unknown region code “888888”." in response.content.decode()
    assert not CalendarEntry.objects.filter(date__year=2031).exists()


def test_export_csv_and_json_round_trip(liaison_client, shipped):
    liaison_client.cookies["django_language"] = "en"
    csv_response = liaison_client.get("/workdays/export/?year=2026&scope=540100&format=csv")
    assert csv_response["Content-Disposition"] == 'attachment; filename="workdays-2026-540100.csv"'
    lines = csv_response.content.decode().splitlines()
    assert lines[0] == "date,kind,region,name,source"
    assert len(lines) == 15
    assert (
        lines[1]
        == "2026-02-14,workday,540100,春节、藏历新年,拉萨市人民政府2026年春节、藏历新年放假安排（据 DOMAIN.md §9）"
    )
    data = json.loads(
        liaison_client.get("/workdays/export/?year=2026&scope=national&format=json").content
    )
    assert len(data["entries"]) == 39
    assert data["entries"][0] == {
        "date": "2026-01-01",
        "kind": "holiday",
        "region": "",
        "name": "元旦",
        "source": "国务院办公厅关于2026年部分节假日安排的通知",
    }
    # re-importing the export changes nothing
    response = liaison_client.post(
        "/workdays/import/", {"file": _upload(csv_response.content.decode())}
    )
    assert "0 to add, 0 to change, 0 to delete, 14 unchanged." in response.content.decode()


def test_audit_page_lists_changes(liaison_client):
    liaison_client.post("/workdays/entries/new/", GOOD)
    html = liaison_client.get("/workdays/audit/").content.decode()
    assert "雪顿节" in html and "liaison" in html


def test_deadline_calculator(liaison_client, shipped):
    liaison_client.cookies["django_language"] = "en"
    response = liaison_client.get("/workdays/deadline/?start=2026-02-13&n=2&region=540100")
    html = response.content.decode()
    assert '<strong data-testid="deadline">2026-02-27 18:00</strong>' in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("start=2026-02-13&n=-1", "n", "The number of working days cannot be negative."),
        ("start=2026-02-13&n=3651", "n", "The number of working days is at most 3650."),
        ("start=2026-2-30&n=1", "start", "Enter a valid date."),
        ("start=2026-02-13&n=1&region=999999", "region", "Unknown region code “999999”."),
    ],
)
def test_deadline_calculator_bad_input(liaison_client, query, field, message):
    liaison_client.cookies["django_language"] = "en"
    response = liaison_client.get(f"/workdays/deadline/?{query}")
    assert response.status_code == 422
    assert f'data-field-errors="{field}">{message}</span>' in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/admin/workdays/calendarentry/", "/admin/workdays/calendaraudit/"]
)
def test_django_admin_lists_read_only(admin_client, shipped, url):
    response = admin_client.get(url)
    assert response.status_code == 200
    assert admin_client.get("/admin/workdays/calendarentry/add/").status_code == 403
