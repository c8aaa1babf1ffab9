"""Every write of the project's models leaves an unsealed audit row with actor and address."""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from haochaping.accounts.enums import Role
from haochaping.audit import context
from haochaping.audit.capture import EXCLUDED, audited_models
from haochaping.audit.context import audit_actor
from haochaping.audit.models import AuditRecord
from haochaping.integration.tests.test_api_cases import _case_body
from haochaping.org.enums import RegionLevel
from haochaping.org.services import region_create
from haochaping.ratings.enums import Level
from haochaping.ratings.models import RatingRollup
from haochaping.ratings.services import rating_exclude
from haochaping.testing.builders import make_user

pytestmark = pytest.mark.django_db


def _rows(object_type):
    return list(AuditRecord.objects.filter(object_type=object_type).order_by("id"))


def test_a_page_write_records_the_user_and_address_and_masks_the_mobile(client, org_tree):
    # given
    handler = make_user("handler", Role.HANDLER, scope_unit=org_tree.police)
    client.force_login(handler)
    # when
    response = client.post(
        "/notifications/preferences",
        {"delivery": "digest", "sms_enabled": "on", "mobile": "13800000009", "language": "bo"},
    )
    # then
    assert response.status_code == 302
    create, update = _rows("notifications.notificationpreference")  # get_or_create, then save
    assert (create.actor, create.address, create.action) == (
        f"user:{handler.pk}:handler",
        "127.0.0.1",
        "create",
    )
    assert update.action == "update"
    assert update.changes["fields"]["delivery"] == ["instant", "digest"]
    assert update.changes["fields"]["mobile"] == ["", "***"]
    assert update.seq is None and update.hash == ""


def test_a_signed_api_write_records_the_integration_client(city_client, org_tree):
    # when
    response = city_client.post("/api/v1/cases", _case_body(org_tree))
    # then
    assert response.status_code == 201, response.content
    (row,) = _rows("cases.case")
    assert row.actor == f"client:{city_client.app_id}"
    assert row.address == "127.0.0.1"
    assert row.changes["values"]["project_no"] == "540100-API-0001"


def test_an_update_records_old_and_new_values_only_of_changed_fields(org_tree):
    # given
    unit = org_tree.police
    # when
    with audit_actor("system:test-command"):
        unit.name = "拉萨市公安局（新）"
        unit.save()
    # then
    row = _rows("org.unit")[-1]
    assert row.action == "update"
    assert row.actor == "system:test-command"
    assert row.changes == {"fields": {"name": ["拉萨市公安局", "拉萨市公安局（新）"]}}


def test_a_delete_and_m2m_changes_are_recorded(org_tree):
    # given
    region = region_create(
        code="540123", name="尼木县", level=RegionLevel.COUNTY, parent=org_tree.lhasa
    )
    user = make_user("leader", Role.LEADER)
    group = Group.objects.create(name="readers")
    region_pk = region.pk
    # when
    region.delete()
    user.groups.add(group)
    user.groups.remove(group)
    # then
    assert [r.action for r in _rows("org.region") if r.object_id == str(region_pk)] == [
        "create",
        "delete",
    ]
    m2m = [r for r in _rows("accounts.user") if r.action.startswith("m2m")]
    assert [(r.action, r.changes["field"], r.changes["pks"]) for r in m2m] == [
        ("m2m_add", "groups", [group.pk]),
        ("m2m_remove", "groups", [group.pk]),
    ]
    password = next(r for r in _rows("accounts.user") if r.action == "create")
    assert password.changes["values"]["password"] == "***"


def test_a_rolled_back_write_leaves_no_audit_row(org_tree):
    before = AuditRecord.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        region_create(code="540124", name="曲水县", level=RegionLevel.COUNTY, parent=org_tree.lhasa)
        raise RuntimeError
    assert AuditRecord.objects.count() == before


def test_new_ratings_have_no_row_each_but_changes_of_a_rating_do(rate):
    # given
    rating = rate(Level.VERY_DISSATISFIED)
    assert _rows("ratings.rating") == []
    assert RatingRollup.objects.exists() and _rows("ratings.ratingrollup") == []
    # when
    rating_exclude(rating=rating, reason="恶意差评")
    # then
    (row,) = _rows("ratings.rating")
    assert row.action == "update"
    assert row.changes == {
        "fields": {"validity": ["valid", "excluded"], "excluded_reason": ["", "恶意差评"]}
    }


def test_left_out_models_are_the_documented_ones_and_every_other_app_model_is_audited():
    labels = {m._meta.label_lower for m in audited_models()}
    assert not labels & set(EXCLUDED)
    assert {
        "ratings.rating",
        "cases.case",
        "accounts.user",
        "rectification.rectification",
    } <= labels
    assert not any(label.startswith(("audit.", "sessions.", "django_tasks")) for label in labels)


def test_commands_are_the_actor_outside_requests(monkeypatch):
    context.process_actor.cache_clear()
    monkeypatch.setattr("sys.argv", ["/usr/bin/haochaping", "rectification_sweep", "--x"])
    try:
        assert context.current_source() == context.Source("system:rectification-sweep", "")
    finally:
        context.process_actor.cache_clear()
