"""Two people at once: one filing per bad review, one decision per appeal (row locks; on SQLite
the IMMEDIATE transactions serialise writers)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from haochaping.appeals import services
from haochaping.appeals.models import Appeal
from haochaping.appeals.tests.helpers import filed, rectification_for
from haochaping.core.exceptions import ApplicationError
from haochaping.ratings.models import RatingRollup

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run the calls in threads released together; return their results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except ApplicationError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_filings_at_once_make_one_appeal(org_tree, people):
    r = rectification_for(org_tree)
    results = race(
        lambda: services.appeal_file(
            rectification_id=r.pk, reasons="误评", acting_user=people.staff
        ),
        lambda: services.appeal_file(
            rectification_id=r.pk, reasons="误评", acting_user=people.handler
        ),
    )
    assert Appeal.objects.filter(rectification=r).count() == 1
    errors = [x for x in results if isinstance(x, ApplicationError)]
    assert [e.status for e in errors] == [409]


def test_two_decisions_at_once_take_the_rating_out_once(org_tree, people):
    a = filed(org_tree, people)
    total = RatingRollup.objects.filter(unit=org_tree.police).aggregate(n=Sum("count"))["n"]
    from haochaping.accounts.enums import Role
    from haochaping.testing.builders import make_user

    second = make_user("reviewer-gov-2", Role.REVIEWER, scope_unit=org_tree.city_gov)
    results = race(
        lambda: services.appeal_decide(
            appeal_id=a.pk, outcome="not_adopted", reason="误评", acting_user=people.reviewer
        ),
        lambda: services.appeal_decide(
            appeal_id=a.pk, outcome="not_adopted", reason="恶意", acting_user=second
        ),
    )
    errors = [x for x in results if isinstance(x, ApplicationError)]
    assert [e.code for e in errors] == ["invalid_transition"]
    assert (
        RatingRollup.objects.filter(unit=org_tree.police).aggregate(n=Sum("count"))["n"]
        == total - 1
    )
