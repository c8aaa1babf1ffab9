"""`haochaping integration-client create|list|revoke` through the real console script."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haochaping.integration.models import IntegrationClient
from haochaping.integration.secrets_store import decrypt_secret


def test_create_prints_one_json_object(org_tree, capsys):
    # when
    call_command("integration_client", "create", "--name", "当雄县评价器", "--scope", "540122")
    # then
    out = capsys.readouterr().out.strip()
    data = json.loads(out)
    assert set(data) == {"app_id", "secret", "name", "scope"}
    client = IntegrationClient.objects.get(app_id=data["app_id"])
    assert client.scope_region == org_tree.damxung
    assert data["secret"] not in client.secret_encrypted
    assert decrypt_secret(client.secret_encrypted) == data["secret"]


def test_create_scoped_to_a_unit(org_tree, capsys):
    call_command(
        "integration_client", "create", "--name", "公安系统", "--scope", org_tree.police.credit_code
    )
    data = json.loads(capsys.readouterr().out)
    assert IntegrationClient.objects.get(app_id=data["app_id"]).scope_unit == org_tree.police


def test_create_with_unknown_scope_fails(org_tree):
    with pytest.raises(CommandError) as exc:
        call_command("integration_client", "create", "--name", "x", "--scope", "549999")
    assert "No region has this code." in str(exc.value)


def test_list_and_revoke(org_tree, capsys):
    call_command("integration_client", "create", "--name", "A", "--scope", "540100")
    app_id = json.loads(capsys.readouterr().out)["app_id"]
    call_command("integration_client", "revoke", app_id)
    capsys.readouterr()
    call_command("integration_client", "list")
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["app_id"], r["revoked_at"] is not None) for r in rows] == [(app_id, True)]
    assert "secret" not in rows[0]


@pytest.mark.slow
def test_console_script_with_hyphenated_name(tmp_path):
    # given: a fresh SQLite database migrated by the real CLI
    env = {
        **os.environ,
        "HAOCHAPING_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
    }
    cli = str(Path(sys.executable).with_name("haochaping"))
    subprocess.run([cli, "migrate", "-v0"], env=env, check=True, timeout=600)
    subprocess.run(
        [
            cli,
            "shell",
            "-c",
            "from haochaping.org.services import region_create;"
            "region_create(code='540100', name='拉萨市', level='city')",
        ],
        env=env,
        check=True,
        timeout=300,
    )
    # when
    result = subprocess.run(
        [cli, "integration-client", "create", "--name", "CLI", "--scope", "540100"],
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    # then
    data = json.loads(result.stdout)
    assert data["app_id"].startswith("hcp_")
    assert len(data["secret"]) >= 40
