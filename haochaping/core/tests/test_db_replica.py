"""The read-replica router: dashboards and reports read from ``replica``, writes never go there,
reads after a write or inside a transaction stay on the primary, and without a replica
everything uses the primary.

``replica`` is configured here as Django configures it when DATABASE_REPLICA_URL is set for a
test run: a TEST MIRROR of ``default`` (the same test database through a second connection).
Which alias ran which statement is recorded with ``execute_wrapper`` on both connections.
"""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack, contextmanager

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test import Client

from haochaping.accounts.enums import Role
from haochaping.core.clock import now
from haochaping.core.db import PRIMARY, REPLICA, read_alias, reading_replica
from haochaping.org.models import Unit
from haochaping.ratings.enums import Channel, Level
from haochaping.ratings.services import rating_submit
from haochaping.ratings.tests.helpers import completed_case
from haochaping.ratings.tests.test_rollups import REASON
from haochaping.reporting.enums import ReportKind
from haochaping.reporting.models import Report
from haochaping.reporting.services import report_generate
from haochaping.testing.builders import build_org_tree, make_user

WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "TRUNCATE")


@pytest.fixture(scope="module", autouse=True)
def replica_mirror(django_db_setup, django_db_blocker):
    """``replica`` as a TEST MIRROR of ``default`` for this module (module scope: it must exist
    before each test's database set-up, which lists it in ``databases``)."""
    added = REPLICA not in settings.DATABASES
    if added:
        connections.settings[REPLICA] = {
            **connections[PRIMARY].settings_dict,
            "TEST": {**connections[PRIMARY].settings_dict["TEST"], "MIRROR": PRIMARY},
        }
        connections[REPLICA].creation.set_as_test_mirror(connections[PRIMARY].settings_dict)
    yield
    connections[REPLICA].close()
    if added:
        del connections[REPLICA]
        connections.settings.pop(REPLICA, None)


pytestmark = pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])


@contextmanager
def recorded():
    """{alias: [sql, ...]} of every statement run on each connection inside the block."""
    seen: dict[str, list[str]] = {PRIMARY: [], REPLICA: []}

    def wrapper_for(alias):
        def wrapper(execute, sql, params, many, context):
            seen[alias].append(sql)
            return execute(sql, params, many, context)

        return wrapper

    with ExitStack() as stack:
        for alias in seen:
            stack.enter_context(connections[alias].execute_wrapper(wrapper_for(alias)))
        yield seen


def writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(WRITES)]


@pytest.fixture
def rated(org_tree):
    for level in (Level.VERY_SATISFIED, Level.DISSATISFIED):
        rating_submit(
            case=completed_case(org_tree),
            level=level,
            channel=Channel.EVALUATOR,
            option_codes=REASON[level],
            assessed_at=now() - dt.timedelta(hours=1),
        )
    return org_tree


@pytest.fixture
def org_tree():
    from haochaping.rectification.tests.conftest import ensure_calendar

    ensure_calendar()
    return build_org_tree()


def test_dashboard_pages_read_from_the_replica_and_never_write_there(rated):
    liaison = make_user("liaison", Role.LIAISON, scope_region=rated.lhasa)
    client = Client(headers={"accept-language": "en"})
    client.force_login(liaison)
    with recorded() as seen:
        for url in (
            "/results/",
            "/results/rankings/",
            f"/results/units/{rated.police.pk}/",
            "/results/ratings/",
        ):
            assert client.get(url).status_code == 200, url
    replica = seen[REPLICA]
    assert any("results_" in s for s in replica), "the summary tables are read on the replica"
    assert writes(replica) == []
    # the view bodies' summary reads did not also go to the primary
    assert not [s for s in seen[PRIMARY] if "results_unitmonthcount" in s]


def test_the_public_site_reads_from_the_replica(rated):
    with recorded() as seen:
        for url in ("/public/", "/public/rankings/", "/public/data/units.json"):
            response = Client().get(url)
            assert response.status_code in {200, 404}, url
    assert any("results_" in s for s in seen[REPLICA])
    assert writes(seen[REPLICA]) == []
    assert not [s for s in seen[PRIMARY] if "results_" in s]


def test_a_report_gathers_its_figures_on_the_replica_and_is_written_on_the_primary(rated):
    bureau = make_user("bureau", Role.LIAISON, scope_region=rated.lhasa)
    month = now().strftime("%Y-%m")
    with recorded() as seen:
        report = report_generate(
            kind=ReportKind.MONTHLY_BULLETIN, period_key=month, acting_user=bureau
        )
    assert Report.objects.filter(pk=report.pk).exists()
    assert any("results_" in s for s in seen[REPLICA])
    assert writes(seen[REPLICA]) == []
    assert any(
        s.lstrip().upper().startswith("INSERT") and "reporting_report" in s for s in seen[PRIMARY]
    )


def test_reads_after_a_write_or_inside_a_transaction_stay_on_the_primary(org_tree):
    with recorded() as seen, reading_replica():
        assert read_alias() == REPLICA
        list(Unit.objects.all())
        assert len(seen[REPLICA]) == 1
        with transaction.atomic():
            assert read_alias() == PRIMARY
            list(Unit.objects.all())
        assert len(seen[REPLICA]) == 1
        Unit.objects.filter(pk=org_tree.police.pk).update(name="拉萨市公安局")  # a write
        assert read_alias() == PRIMARY
        list(Unit.objects.all())
    assert len(seen[REPLICA]) == 1
    assert writes(seen[REPLICA]) == []
    assert len(writes(seen[PRIMARY])) >= 1
    # outside the block: the primary, as everywhere else
    with recorded() as seen:
        list(Unit.objects.all())
    assert seen[REPLICA] == [] and len(seen[PRIMARY]) == 1


def test_the_replica_is_never_migrated():
    from django.db import router

    assert router.allow_migrate(REPLICA, "ratings") is False
    assert router.allow_migrate(PRIMARY, "ratings") is True
