"""Without DATABASE_REPLICA_URL, ``reading_replica`` changes nothing: every read uses the primary."""

import pytest
from django.conf import settings
from django.db import connections

from haochaping.core.db import PRIMARY, read_alias, reading_replica, replica_configured
from haochaping.org.models import Region

pytestmark = pytest.mark.django_db


def test_without_a_replica_reads_in_a_replica_block_use_the_primary():
    assert "replica" not in settings.DATABASES and not replica_configured()
    seen = []
    with (
        connections[PRIMARY].execute_wrapper(lambda ex, sql, *a: seen.append(sql) or ex(sql, *a)),
        reading_replica(),
    ):
        assert read_alias() == PRIMARY
        assert list(Region.objects.all()) == []
    assert len(seen) == 1
