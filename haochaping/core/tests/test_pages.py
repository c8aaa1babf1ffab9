import pytest

from haochaping.accounts.enums import Role
from haochaping.testing.builders import make_case, make_user


@pytest.mark.django_db
def test_home_page_for_visitors_links_to_login(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'href="/accounts/login/"' in response.content.decode()


@pytest.mark.django_db
def test_login_then_home_shows_only_the_scope(client, org_tree):
    # given
    make_case(org_tree, item_key="id_card")
    make_case(org_tree, item_key="cg_hukou")
    make_user("cg", Role.HANDLER, scope_region=org_tree.chengguan)
    # when
    response = client.post("/accounts/login/", {"username": "cg", "password": "Test-pass-2026!"})
    home = client.get("/")
    # then
    assert response.status_code == 302
    html = home.content.decode()
    assert '<dd data-figure="units">2</dd>' in html
    assert '<dd data-figure="cases">1</dd>' in html


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client, org_tree):
    make_user("cg", Role.HANDLER, scope_region=org_tree.chengguan)
    response = client.post("/accounts/login/", {"username": "cg", "password": "wrong"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/org/region/",
        "/admin/org/unit/",
        "/admin/catalog/serviceitem/",
        "/admin/cases/case/",
        "/admin/org/hall/",
        "/admin/org/staff/",
        "/admin/accounts/user/",
    ],
)
def test_admin_lists_org_items_and_cases(admin_client, org_tree, url):
    make_case(org_tree)
    response = admin_client.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
def test_language_switch_to_tibetan_and_english(client):
    response = client.post("/i18n/setlang/", {"language": "bo", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert '<html lang="bo">' in response.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert "Government service good/bad review" in response.content.decode()


@pytest.mark.django_db
def test_default_language_is_simplified_chinese(client):
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "政务服务好差评" in html


@pytest.mark.django_db
def test_healthz_and_openapi(client):
    assert client.get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "queue": "ok",
        "workers": "ok",
    }
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "haochaping API"
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower()


@pytest.mark.django_db
def test_menu_follows_the_role(client, org_tree):
    liaison = make_user("liaison", Role.LIAISON, scope_region=org_tree.lhasa)
    make_user("window", Role.WINDOW_STAFF, scope_unit=org_tree.police)
    client.force_login(liaison)  # a second-factor role: the form login is in accounts/tests
    liaison_home = client.get("/").content.decode()
    client.post("/accounts/logout/")
    client.post("/accounts/login/", {"username": "window", "password": "Test-pass-2026!"})
    window_home = client.get("/").content.decode()
    assert 'href="/workdays/"' in liaison_home
    assert 'href="/workdays/"' not in window_home
    assert 'href="/jobs/"' not in liaison_home


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_every_menu_link_opens_for_the_role_that_sees_it(client, org_tree, role):
    # given: a user of the role, scoped to the city
    client.force_login(make_user("u", role, scope_region=org_tree.lhasa))
    # when: they follow every link of their menu
    from haochaping.accounts.models import User
    from haochaping.core.navigation import menu_for

    entries = menu_for(User.objects.get(username="u"))
    statuses = {entry["url"]: client.get(entry["url"]).status_code for entry in entries}
    # then: no link leads to a refusal
    assert entries
    assert {url: s for url, s in statuses.items() if s != 200} == {}
