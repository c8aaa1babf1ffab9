"""GET /api/v1/catalog/content: what devices render, per content version."""


def test_current_content(city_client, org_tree):
    # when
    response = city_client.get("/api/v1/catalog/content")
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["current"]) == ("2", True)
    assert [i["name"] for i in body["indicators"] if i["channelGroup"] == "onsite"] == [
        "整体满意度",
        "服务效率",
        "服务水平",
        "服务态度",
    ]
    assert {"satisfaction": 1, "code": "115", "label": "服务态度差效率低", "labelBo": ""} in body[
        "options"
    ]
    assert len(body["options"]) == 40


def test_retired_content_and_unknown_version(city_client, org_tree):
    retired = city_client.get("/api/v1/catalog/content?version=1").json()
    assert (retired["current"], len(retired["options"])) == (False, 33)
    assert city_client.get("/api/v1/catalog/content?version=9").status_code == 404


def test_admin_pages_render_read_only(admin_client, org_tree, city_client):
    from haochaping.ratings.tests.helpers import completed_case, record

    city_client.post("/api/v1/ratings", record(completed_case(org_tree)))
    for url in [
        "/admin/ratings/rating/",
        "/admin/ratings/contentversion/",
        "/admin/integration/integrationclient/",
        "/admin/ratings/ratingevent/",
    ]:
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get("/admin/ratings/rating/add/").status_code == 403
