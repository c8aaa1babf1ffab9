"""Background entry points of the ratings app."""

from __future__ import annotations

import logging

from django_tasks import task

from haochaping.ratings import partitions

logger = logging.getLogger(__name__)


@task()
def partitions_maintain() -> dict:
    """Monthly partitions ``MONTHS_AHEAD`` months ahead; rows found in a DEFAULT partition moved
    into their month's partition (and logged); dangling references to and from ratings counted."""
    report = partitions.create_ahead()
    for key, rows in report["moved"].items():
        logger.warning("partitions: %s rows of %s were in the DEFAULT partition", rows, key)
    orphans = partitions.orphans_count()
    for table, n in orphans.items():
        logger.error("partitions: %s rows of %s name a rating that does not exist", n, table)
    missing = partitions.dimension_orphans_count()
    for table, n in missing.items():
        logger.error("partitions: ratings name %s ids that %s does not have", n, table)
    return {**report, "orphans": orphans, "missing_dimensions": missing}
