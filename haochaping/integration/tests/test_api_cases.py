"""Signed endpoints for units, items and cases."""

import datetime as dt

from haochaping.cases.models import Case
from haochaping.core.clock import LOCAL_TZ, now


def _t(value: dt.datetime) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _case_body(org_tree, **overrides):
    body = {
        "projectNo": "540100-API-0001",
        "taskCode": org_tree.items["id_card"].task_code,
        "userProp": "1",
        "userName": "次仁",
        "mobile": "13900000001",
        "windowNo": "A01",
        "proManager": "P001",
        "acceptDate": _t(now() - dt.timedelta(days=2)),
    }
    body.update(overrides)
    return body


def test_units_paginated_within_scope(city_client, county_client, org_tree):
    # when
    page = city_client.get("/api/v1/org/units?limit=2&offset=0")
    county = county_client.get("/api/v1/org/units")
    # then
    assert page.status_code == 200
    assert page.json()["count"] == 6
    assert len(page.json()["items"]) == 2
    assert sorted(u["deptCode"] for u in county.json()["items"]) == sorted(
        [org_tree.cg_gov.credit_code, org_tree.cg_police.credit_code]
    )
    cg_police = next(
        u for u in county.json()["items"] if u["deptCode"] == org_tree.cg_police.credit_code
    )
    assert cg_police == {
        "deptCode": org_tree.cg_police.credit_code,
        "areaCode": "540102",
        "name": "城关区公安分局",
        "nameBo": "",
        "parentDeptCode": org_tree.cg_gov.credit_code,
    }


def test_items_with_task_codes(county_client, org_tree):
    response = county_client.get("/api/v1/catalog/items")
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "taskCode": org_tree.items["cg_hukou"].task_code,
                "taskName": "户口迁移",
                "deptCode": org_tree.cg_police.credit_code,
                "itemType": "07",
                "onlineCapable": True,
            }
        ],
        "count": 1,
    }


def test_case_push_creates_then_is_idempotent_then_completes(city_client, org_tree):
    # given
    body = _case_body(org_tree)
    # when
    created = city_client.post("/api/v1/cases", body)
    again = city_client.post("/api/v1/cases", body)
    finish = _t(now() - dt.timedelta(hours=3))
    completed = city_client.post("/api/v1/cases", {**body, "finishTime": finish})
    # then
    assert (created.status_code, again.status_code, completed.status_code) == (201, 200, 200)
    assert created.json()["created"] is True and again.json()["created"] is False
    assert completed.json()["proStatus"] == "completed"
    assert completed.json()["finishTime"] == finish
    case = Case.objects.get(project_no="540100-API-0001")
    assert (case.unit, case.window, case.staff) == (
        org_tree.police,
        org_tree.window,
        org_tree.staff,
    )
    assert Case.objects.count() == 1


def test_case_push_bad_fields_422(city_client, org_tree):
    response = city_client.post(
        "/api/v1/cases",
        _case_body(
            org_tree,
            taskCode="NOPE",
            acceptDate="yesterday",
            userProp="7",
            applyChannel="fax",
        ),
    )
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {
        "taskCode": ["Unknown taskCode."],
        "userProp": ["The userProp is 1 (natural person), 2 (legal person) or 9 (other)."],
        "applyChannel": ["The applyChannel is window, online, app or self_service."],
        "acceptDate": ["Use the format yyyy-MM-dd HH:mm:ss (Beijing time)."],
    }
    assert Case.objects.count() == 0


def test_case_push_cannot_change_item(city_client, org_tree):
    city_client.post("/api/v1/cases", _case_body(org_tree))
    response = city_client.post(
        "/api/v1/cases",
        _case_body(
            org_tree,
            taskCode=org_tree.items["cg_hukou"].task_code,
            deptCode=org_tree.police.credit_code,
            windowNo=None,
            proManager=None,
        ),
    )
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {
        "taskCode": ["The service item of a registered case cannot change."]
    }


def test_case_push_outside_scope_refused(county_client, org_tree):
    response = county_client.post(
        "/api/v1/cases", _case_body(org_tree, windowNo=None, proManager=None)
    )
    assert response.status_code == 422
    assert response.json()["extra"]["errors"] == {"deptCode": ["No unit has this deptCode."]}


def test_case_push_of_a_projectno_outside_scope_reads_as_not_found(
    city_client, county_client, org_tree
):
    # given: a case of the city police, which the 城关区 client cannot see
    assert city_client.post("/api/v1/cases", _case_body(org_tree)).status_code == 201
    county_item = org_tree.items["cg_hukou"].task_code
    ours = _case_body(org_tree, taskCode=county_item, windowNo=None, proManager=None,
                      userName="别人")  # fmt: skip

    # when the county client pushes a case with that projectNo for its own unit
    taken = county_client.post("/api/v1/cases", ours)

    # then it gets what GET answers for a case it cannot see, or for no case at all
    unseen = county_client.get("/api/v1/cases/540100-API-0001")
    missing = county_client.get("/api/v1/cases/540100-API-9999")
    assert (taken.status_code, unseen.status_code, missing.status_code) == (404, 404, 404)
    assert taken.content == unseen.content == missing.content
    assert b"scope" not in taken.content
    # and the city's case is untouched
    case = Case.objects.get(project_no="540100-API-0001")
    assert (case.unit, case.applicant_name) == (org_tree.police, "次仁")

    # with an invalid body both answers name the same fields, and never the projectNo
    bad = {**ours, "userProp": "7"}
    taken = county_client.post("/api/v1/cases", bad)
    fresh = county_client.post("/api/v1/cases", {**bad, "projectNo": "540100-API-9999"})
    assert taken.status_code == fresh.status_code == 422
    assert taken.json() == fresh.json()
    assert set(taken.json()["extra"]["errors"]) == {"userProp"}


def test_case_get_outside_scope_404(city_client, county_client, org_tree):
    city_client.post("/api/v1/cases", _case_body(org_tree))
    assert city_client.get("/api/v1/cases/540100-API-0001").status_code == 200
    assert county_client.get("/api/v1/cases/540100-API-0001").status_code == 404
