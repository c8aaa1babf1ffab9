"""Calendar services: validation, audit, recompute callbacks, import."""

import datetime as dt
import json

import pytest

from haochaping.core.exceptions import InvalidInput, NotFound
from haochaping.workdays import recompute
from haochaping.workdays.arithmetic import add_workdays, is_workday
from haochaping.workdays.models import CalendarAudit, CalendarEntry
from haochaping.workdays.services import (
    calendar_load_shipped,
    entries_import,
    entry_create,
    entry_delete,
    entry_update,
    import_plan,
)
from haochaping.workdays.tests.helpers import d

pytestmark = pytest.mark.django_db

SHOTON = {
    "kind": "holiday",
    "name": "雪顿节",
    "source": "拉萨市人民政府通知（测试）",
    "region_code": "540100",
}


def test_create_writes_entry_and_audit_with_actor(liaison):
    # when
    result = entry_create(date=d("2031-08-20"), acting_user=liaison, **SHOTON)
    # then
    entry = result.entry
    assert entry.snapshot() == {
        "date": "2031-08-20",
        "kind": "holiday",
        "name": "雪顿节",
        "source": "拉萨市人民政府通知（测试）",
        "region": "540100",
    }
    audit = CalendarAudit.objects.get(entry_id=entry.pk)
    assert (audit.actor, audit.actor_label, audit.action, audit.via) == (
        liaison,
        "liaison",
        "created",
        "web",
    )
    assert audit.before is None
    assert audit.after == entry.snapshot()


def test_update_audits_before_and_after(liaison):
    entry = entry_create(date=d("2031-08-20"), acting_user=liaison, **SHOTON).entry
    # when
    entry_update(entry_id=entry.pk, date=d("2031-08-21"), acting_user=liaison, **SHOTON)
    # then
    audit = CalendarAudit.objects.filter(entry_id=entry.pk, action="updated").get()
    assert (audit.before["date"], audit.after["date"]) == ("2031-08-20", "2031-08-21")
    assert not is_workday(d("2031-08-21"), "540100")
    assert is_workday(d("2031-08-20"), "540100")


def test_update_without_change_writes_nothing(liaison):
    entry = entry_create(date=d("2031-08-20"), acting_user=liaison, **SHOTON).entry
    entry_update(entry_id=entry.pk, date=d("2031-08-20"), acting_user=liaison, **SHOTON)
    assert CalendarAudit.objects.filter(entry_id=entry.pk).count() == 1


def test_delete_audits_the_snapshot(liaison):
    entry = entry_create(date=d("2031-08-20"), acting_user=liaison, **SHOTON).entry
    # when
    entry_delete(entry_id=entry.pk, acting_user=liaison)
    # then
    assert not CalendarEntry.objects.filter(pk=entry.pk).exists()
    audit = CalendarAudit.objects.get(entry_id=entry.pk, action="deleted")
    assert audit.before["name"] == "雪顿节"
    assert audit.after is None


def test_delete_unknown_entry_is_not_found(liaison):
    with pytest.raises(NotFound):
        entry_delete(entry_id=987654, acting_user=liaison)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"region_code": "999999"}, {"region_code": ["Unknown region code “999999”."]}),
        (
            {"region_code": "54x100"},
            {
                "region_code": [
                    "“54x100” is not a region code: A region code has 6, 9 or 12 digits."
                ]
            },
        ),
        ({"kind": "vacation"}, {"kind": ["Choose holiday or make-up working day."]}),
        ({"name": " "}, {"name": ["The name is missing."]}),
        ({"source": ""}, {"source": ["The source (the notice this entry comes from) is missing."]}),
        ({"date": "2031-08-20"}, {"date": ["Enter a valid date (YYYY-MM-DD)."]}),
        (
            {"kind": "workday"},
            {"date": ["2031-08-20 is a weekday: a make-up working day must fall on a weekend."]},
        ),
    ],
)
def test_bad_input_is_refused_per_field_and_changes_nothing(liaison, changes, errors):
    # given
    before = CalendarEntry.objects.count()
    fields = {"date": d("2031-08-20"), **SHOTON, **changes}
    # when
    with pytest.raises(InvalidInput) as info:
        entry_create(acting_user=liaison, **fields)
    # then
    assert info.value.extra == {"errors": errors}
    assert CalendarEntry.objects.count() == before
    assert not CalendarAudit.objects.filter(date=d("2031-08-20")).exists()


def test_second_entry_on_the_same_date_and_scope_is_a_conflict(liaison):
    entry_create(date=d("2031-08-23"), acting_user=liaison, **SHOTON)
    with pytest.raises(InvalidInput) as info:
        entry_create(date=d("2031-08-23"), acting_user=liaison, **{**SHOTON, "kind": "workday"})
    assert info.value.extra == {
        "errors": {
            "date": [
                "2031-08-23 already has an entry in this scope (Holiday: 雪顿节). Edit that entry instead."
            ]
        }
    }
    # the same date in another scope is fine
    entry_create(date=d("2031-08-23"), acting_user=liaison, **{**SHOTON, "region_code": ""})


# --- recompute hook --------------------------------------------------------------------------


@pytest.fixture
def deadline_store():
    """A stand-in for a later app that stores deadlines: items with a start, n and a due date."""
    items = [
        {"id": 1, "start": d("2031-08-18"), "n": 5, "region": "540100", "timeline": []},
        {
            "id": 2,
            "start": d("2031-09-15"),
            "n": 5,
            "region": "540100",
            "timeline": [],
        },  # window after
        {
            "id": 3,
            "start": d("2031-08-18"),
            "n": 5,
            "region": "540000",
            "timeline": [],
        },  # other region
    ]
    for item in items:
        item["due"] = add_workdays(item["start"], item["n"], item["region"])
    calls = []

    def callback(changed_dates, region_codes):
        calls.append((changed_dates, region_codes))
        changed = 0
        for item in items:
            covered = any(recompute.covers(scope, item["region"]) for scope in region_codes)
            if covered and recompute.window_touches(
                item["start"], item["due"].date(), changed_dates
            ):
                new_due = add_workdays(item["start"], item["n"], item["region"])
                if new_due != item["due"]:
                    item["timeline"].append(("workdays.deadline_recomputed", item["due"], new_due))
                    item["due"] = new_due
                    changed += 1
        return changed

    recompute.register("test-store", callback)
    yield items, calls
    recompute.unregister("test-store")


def test_change_recomputes_open_deadlines_whose_window_touches_it(liaison, deadline_store):
    items, calls = deadline_store
    assert items[0]["due"].date() == d("2031-08-25")
    # when Shoton is announced on Wednesday 20 August 2031 in Lhasa
    result = entry_create(date=d("2031-08-20"), acting_user=liaison, **SHOTON)
    # then
    assert calls == [({d("2031-08-20")}, {"540100"})]
    assert result.recomputed["test-store"] == 1  # other apps may register their own callbacks
    assert items[0]["due"].date() == d("2031-08-26")
    assert items[0]["timeline"] == [
        (
            "workdays.deadline_recomputed",
            dt.datetime(2031, 8, 25, 18, tzinfo=items[0]["due"].tzinfo),
            items[0]["due"],
        )
    ]
    assert items[1]["timeline"] == [] and items[2]["timeline"] == []


def test_failing_callback_rolls_the_change_back(liaison):
    def broken(changed_dates, region_codes):
        raise RuntimeError("recompute failed")

    recompute.register("broken", broken)
    try:
        with pytest.raises(RuntimeError, match="recompute failed"):
            entry_create(date=d("2031-08-20"), acting_user=liaison, **SHOTON)
    finally:
        recompute.unregister("broken")
    assert not CalendarEntry.objects.filter(date=d("2031-08-20")).exists()
    assert not CalendarAudit.objects.filter(date=d("2031-08-20")).exists()
    assert is_workday(d("2031-08-20"), "540100")


def test_covers_by_path_and_by_code():
    assert recompute.covers("", "/540000/540100/540102/")
    assert recompute.covers("540100", "/540000/540100/540102/")
    assert not recompute.covers("540100", "/540000/540200/")
    assert recompute.covers("540000", "540122")
    assert not recompute.covers("540102", "540100")


# --- import ----------------------------------------------------------------------------------

CSV_2031 = (
    "date,kind,region,name,source\n"
    "2031-01-01,holiday,,元旦,国务院通知2031\n"
    "2031-02-22,workday,,春节,国务院通知2031\n"
    "2031-02-24,holiday,540100,藏历新年,拉萨市通知2031\n"
)


def test_import_plan_then_import_then_same_file_is_unchanged(liaison):
    plan = import_plan(text=CSV_2031, fmt="csv")
    assert (plan.year, plan.ok, len(plan.to_create), plan.changes) == (2031, True, 3, 3)
    # when
    result = entries_import(text=CSV_2031, fmt="csv", acting_user=liaison)
    # then
    assert (result.created, result.updated, result.deleted, result.unchanged) == (3, 0, 0, 0)
    assert (
        CalendarAudit.objects.filter(batch=result.batch, action="created", via="import").count()
        == 3
    )
    again = entries_import(text=CSV_2031, fmt="csv", acting_user=liaison)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_import_updates_and_replace_deletes(liaison):
    entries_import(text=CSV_2031, fmt="csv", acting_user=liaison)
    changed = (
        "date,kind,region,name,source\n"
        "2031-01-01,holiday,,元旦节,国务院通知2031（修订）\n"
        "2031-02-22,workday,,春节,国务院通知2031\n"
    )
    # when
    result = entries_import(text=changed, fmt="csv", replace=True, acting_user=liaison)
    # then: the national 1/1 is renamed; 540100 is not in the file, so its entry stays
    assert (result.created, result.updated, result.deleted, result.unchanged) == (0, 1, 0, 1)
    assert CalendarEntry.objects.get(date=d("2031-01-01"), region_code="").name == "元旦节"
    only_national = (
        "date,kind,region,name,source\n2031-01-01,holiday,,元旦节,国务院通知2031（修订）\n"
    )
    result = entries_import(text=only_national, fmt="csv", replace=True, acting_user=liaison)
    assert (result.deleted, result.unchanged) == (1, 1)
    assert not CalendarEntry.objects.filter(date=d("2031-02-22")).exists()
    assert CalendarEntry.objects.filter(date=d("2031-02-24"), region_code="540100").exists()


def test_import_with_errors_changes_nothing_and_names_every_line(liaison):
    bad = (
        "date,kind,region,name,source\n"
        "2031-01-01,holiday,,元旦,n\n"
        "2031-01-01,holiday,,元旦,n\n"  # duplicate
        "2031-02-22,workday,,春节,n\n"
        "2031-02-22,holiday,,春节,n\n"  # conflict
        "2030-12-31,holiday,,元旦,n\n"  # outside the year
        "2031-13-01,holiday,,x,n\n"  # malformed date
        "2031-03-01,holiday,999999,x,n\n"  # unknown region
        "2031-03-03,workday,,x,n\n"  # make-up on a weekday
        "2031-03-08,rest,,,\n"  # kind, name, source
    )
    with pytest.raises(InvalidInput) as info:
        entries_import(text=bad, fmt="csv", year=2031, acting_user=liaison)
    assert str(info.value.message) == "The file has errors; nothing was imported."
    assert info.value.extra == {
        "errors": {
            "file": [
                "Line 3: Duplicate: line 2 has the same date and scope.",
                "Line 4: Conflict: line 5 makes 2031-02-22 a Holiday in the same scope.",
                "Line 5: Conflict: line 4 makes 2031-02-22 a Make-up working day in the same scope.",
                "Line 6: 2030-12-31 is outside the year 2031.",
                "Line 7: “2031-13-01” is not a date: use YYYY-MM-DD.",
                "Line 8: Unknown region code “999999”.",
                "Line 9: 2031-03-03 is a weekday: a make-up working day must fall on a weekend.",
                "Line 10: Unknown kind “rest”: use holiday or workday.",
                "Line 10: The name is missing.",
                "Line 10: The source (the notice this entry comes from) is missing.",
            ]
        }
    }
    assert not CalendarEntry.objects.filter(date__year=2031).exists()


def test_import_json_in_both_shapes(liaison):
    rows = [
        {"date": "2031-05-01", "kind": "holiday", "region": None, "name": "劳动节", "source": "n"},
        {
            "date": "2031-05-02",
            "kind": "holiday",
            "region_code": "540100",
            "name": "x",
            "source": "n",
        },
    ]
    assert entries_import(text=json.dumps(rows), fmt="json", acting_user=liaison).created == 2
    wrapped = json.dumps({"entries": [{**rows[0], "date": "2031-05-05"}]})
    assert entries_import(text=wrapped, fmt="json", acting_user=liaison).created == 1
    assert CalendarEntry.objects.get(date=d("2031-05-02")).region_code == "540100"


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("{not json", "json", "The file is not valid JSON."),
        ('{"rows": []}', "json", 'A JSON calendar is a list of entries or {"entries": [...]}.'),
        (
            "day,what\n2031-01-01,x\n",
            "csv",
            "The CSV header lacks the columns: date, kind, name, source.",
        ),
        ("date,kind,region,name,source\n", "csv", "The file contains no entries."),
    ],
)
def test_unreadable_files_are_refused(liaison, text, fmt, message):
    with pytest.raises(InvalidInput) as info:
        entries_import(text=text, fmt=fmt, acting_user=liaison)
    assert info.value.extra == {"errors": {"file": [message]}}


def test_load_shipped_is_idempotent():
    calendar_load_shipped()
    total = CalendarEntry.objects.count()
    results = calendar_load_shipped()
    assert sum(r.created + r.updated + r.deleted for r in results) == 0
    assert CalendarEntry.objects.count() == total
    assert CalendarEntry.objects.filter(region_code="540100").count() == 9 + 6 + 14
