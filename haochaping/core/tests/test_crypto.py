"""Citizens' identifiers at rest: the cipher, the model field's look-ups, rotation, migration."""

from __future__ import annotations

import base64
import io
import json
import types

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from haochaping.cases.models import Case
from haochaping.core import crypto, reencrypt
from haochaping.core.checks import check_data_keys
from haochaping.testing.builders import build_org_tree, make_case

OLD = "old:" + base64.b64encode(bytes(range(64))).decode()
NEW = "new:" + base64.b64encode(bytes(range(64, 128))).decode()


def raw_values(project_no: str) -> tuple[str, str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT applicant_cert_no, applicant_mobile FROM cases_case WHERE project_no = %s",
            [project_no],
        )
        return cur.fetchone()


def test_round_trip_is_deterministic_and_authenticated():
    # given
    stored = crypto.encrypt("13912345678")
    # then
    assert stored.startswith("enc1:dev:")
    assert "13912345678" not in stored
    assert crypto.encrypt("13912345678") == stored
    assert crypto.encrypt("13912345679") != stored
    assert crypto.decrypt(stored) == "13912345678"
    assert len(stored) <= crypto.stored_length(11)
    assert crypto.encrypt("") == ""
    assert crypto.decrypt("13912345678") == "13912345678"  # a row not yet converted
    tampered = stored[:-2] + ("AA" if stored[-2:] != "AA" else "BB")
    with pytest.raises(crypto.DecryptionError, match="does not decrypt"):
        crypto.decrypt(tampered)


def test_keys_from_the_environment_are_validated():
    assert [k for k, _ in crypto.parse_keys(f"{NEW}, {OLD}")] == ["new", "old"]
    with pytest.raises(ImproperlyConfigured, match="has 3 bytes"):
        crypto.parse_keys("k1:" + base64.b64encode(b"abc").decode())
    with pytest.raises(ImproperlyConfigured, match="each entry is id:base64key"):
        crypto.parse_keys("no key here")
    with pytest.raises(ImproperlyConfigured, match="appears twice"):
        crypto.parse_keys(f"{OLD},{OLD}")
    with override_settings(HAOCHAPING_DATA_KEYS=OLD):
        stored = crypto.encrypt("110101199003070011")
        assert stored.startswith("enc1:old:")
    with override_settings(HAOCHAPING_DATA_KEYS=NEW), pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored)


def test_deploy_check_refuses_the_development_key():
    with override_settings(HAOCHAPING_DATA_KEYS=""):
        assert [e.id for e in check_data_keys(None)] == ["core.E002"]
    with override_settings(HAOCHAPING_DATA_KEYS="k1:short"):
        assert [e.id for e in check_data_keys(None)] == ["core.E003"]
    with override_settings(HAOCHAPING_DATA_KEYS=NEW):
        assert check_data_keys(None) == []


@pytest.mark.django_db
def test_field_stores_ciphertext_and_equality_lookups_work():
    # given
    tree = build_org_tree()
    case = make_case(tree, applicant_mobile="13911112222", applicant_cert_no="")
    other = make_case(tree, applicant_mobile="13933334444")
    # then: the database holds ciphertext, Python sees plaintext
    cert, mobile = raw_values(case.project_no)
    assert cert == ""
    assert mobile.startswith("enc1:") and "13911112222" not in mobile
    assert Case.objects.get(pk=case.pk).applicant_mobile == "13911112222"
    assert list(Case.objects.filter(pk=case.pk).values_list("applicant_mobile", flat=True)) == [
        "13911112222"
    ]
    assert list(Case.objects.filter(applicant_mobile="13911112222")) == [case]
    assert set(Case.objects.filter(applicant_mobile__in=["13911112222", "13933334444"])) == {
        case,
        other,
    }
    assert list(Case.objects.exclude(applicant_mobile="13911112222")) == [other]
    assert list(Case.objects.filter(applicant_cert_no="")) == [case]
    Case.objects.filter(pk=other.pk).update(applicant_mobile="13955556666")
    assert raw_values(other.project_no)[1] == crypto.encrypt("13955556666")
    with pytest.raises(FieldError, match="Unsupported lookup 'startswith'"):
        list(Case.objects.filter(applicant_mobile__startswith="139"))


@pytest.mark.django_db
def test_rotation_re_encrypts_every_row_under_the_newest_key_and_resumes():
    # given: three cases written under the old key
    with override_settings(HAOCHAPING_DATA_KEYS=OLD):
        tree = build_org_tree()
        cases = [make_case(tree, applicant_mobile=f"1390000000{i}") for i in range(3)]
    with override_settings(HAOCHAPING_DATA_KEYS=f"{NEW},{OLD}"):
        # while both keys are configured, look-ups find rows under either key
        assert list(Case.objects.filter(applicant_mobile="13900000001")) == [cases[1]]
        assert Case.objects.filter(applicant_mobile__in=["13900000000", "13900000002"]).count() == 2

        # when: the first run is interrupted after its first batch
        class Interrupted(Exception):
            pass

        def stop(progress):
            raise Interrupted

        with pytest.raises(Interrupted):
            reencrypt.convert_model(Case, reencrypt.to_current, batch_size=2, on_batch=stop)
        assert crypto.key_id_of(raw_values(cases[0].project_no)[1]) == "new"
        assert crypto.key_id_of(raw_values(cases[2].project_no)[1]) == "old"
        # and the command runs again
        out = io.StringIO()
        call_command(
            "data_keys", "rotate", "--model", "cases.Case", "--batch-size", "2", stdout=out
        )
        done = json.loads(out.getvalue().splitlines()[-1])
    # then: the finished batch was kept, the rest rewritten, and the old key can go
    assert done == {"model": "cases.Case", "done": True, "scanned": 3, "rewritten": 1, "key": "new"}
    with override_settings(HAOCHAPING_DATA_KEYS=NEW):
        for case in cases:
            cert, mobile = raw_values(case.project_no)
            assert crypto.key_id_of(mobile) == crypto.key_id_of(cert) == "new"
        assert Case.objects.get(pk=cases[2].pk).applicant_mobile == "13900000002"
        assert list(Case.objects.filter(applicant_mobile="13900000002")) == [cases[2]]
        out = io.StringIO()
        call_command("data_keys", "status", stdout=out)
        status = {
            json.loads(line)["model"]: json.loads(line) for line in out.getvalue().splitlines()
        }
        assert status["cases.Case"]["values_by_key"] == {"new": 6}


@pytest.mark.django_db
def test_data_migration_encrypts_plaintext_rows_and_reverses():
    # given: rows as they were before the migration (plaintext)
    tree = build_org_tree()
    case = make_case(tree, applicant_mobile="13977778888", applicant_cert_no="")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE cases_case SET applicant_mobile = %s WHERE id = %s", ["13977778888", case.pk]
        )
    assert Case.objects.get(pk=case.pk).applicant_mobile == "13977778888"  # read as is
    editor = types.SimpleNamespace(connection=connection)
    from django.apps import apps

    # when
    reencrypt.encrypt_model("cases", "Case", batch_size=1)(apps, editor)
    # then
    assert raw_values(case.project_no) == ("", crypto.encrypt("13977778888"))
    assert list(Case.objects.filter(applicant_mobile="13977778888")) == [case]
    # and backwards
    reencrypt.decrypt_model("cases", "Case")(apps, editor)
    assert raw_values(case.project_no) == ("", "13977778888")


def test_generate_prints_a_usable_key():
    out = io.StringIO()
    call_command("data_keys", "generate", "k2027", stdout=out)
    entry = out.getvalue().strip()
    assert [k for k, raw in crypto.parse_keys(entry) if len(raw) == 64] == ["k2027"]


def test_every_encrypted_model_has_a_conversion_migration():
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    converted = set()
    for migration in loader.disk_migrations.values():
        for op in migration.operations:
            code = getattr(op, "code", None)
            if getattr(code, "__qualname__", "") == "encrypt_model.<locals>.forward":
                cells = dict(zip(code.__code__.co_freevars, code.__closure__, strict=True))
                converted.add(
                    f"{cells['app_label'].cell_contents}.{cells['model_name'].cell_contents}"
                )
    assert {m._meta.label for m in reencrypt.encrypted_models()} <= converted
