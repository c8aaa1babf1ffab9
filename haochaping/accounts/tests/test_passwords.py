"""Password hashing (Argon2 in production, older hashes upgraded) and the password policy."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password

from haochaping import settings as project_settings
from haochaping.accounts.enums import Role
from haochaping.accounts.models import User
from haochaping.accounts.services import user_create
from haochaping.core.exceptions import InvalidInput
from haochaping.testing.builders import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_the_production_hasher_is_argon2id(production_hashers):
    user = make_user("cg", Role.HANDLER)
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(TEST_PASSWORD)
    assert not user.check_password(TEST_PASSWORD + "x")


def test_an_older_pbkdf2_hash_is_upgraded_at_login(production_hashers, client, org_tree):
    # given a user whose hash predates Argon2
    user = make_user("cg", Role.HANDLER, scope_region=org_tree.chengguan)
    User.objects.filter(pk=user.pk).update(
        password=make_password(TEST_PASSWORD, hasher="pbkdf2_sha256")
    )
    # when they log in
    response = client.post("/accounts/login/", {"username": "cg", "password": TEST_PASSWORD})
    # then the stored hash is Argon2
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Short-pw-26", "too short"),  # 11 characters
        ("password1234", "too common"),
        ("480129375610", "entirely numeric"),
        ("zhaxi.dunzhu.1990", "too similar"),
    ],
)
def test_the_password_policy_refuses_weak_passwords(password, message):
    with pytest.raises(InvalidInput) as exc:
        user_create(username="zhaxi.dunzhu", password=password, role=Role.HANDLER)
    assert any(message in m for m in exc.value.extra["errors"]["password"])
    assert not User.objects.filter(username="zhaxi.dunzhu").exists()


def test_a_twelve_character_password_is_enough():
    user = user_create(username="cg", password="Nyingchi-26!", role=Role.HANDLER)
    assert user.check_password("Nyingchi-26!")
