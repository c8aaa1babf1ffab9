"""Background entry points of the results app.

``refresh_case_counts`` recomputes ``CaseDayCount`` for the completion days whose cases can
still be rated (``RATING_WINDOW_DAYS`` + a margin). The lead registers it once in
``jobs/periodic.py`` (daily, e.g. 00:30); until then run ``haochaping results-refresh-cases``
from cron. The rating summaries need no job: triggers keep them exact.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from haochaping.core.clock import today
from haochaping.ratings.conf import rating_setting
from haochaping.results.services import case_counts_refresh

MARGIN_DAYS = 5


@task()
def refresh_case_counts() -> dict[str, int]:
    end = today() + dt.timedelta(days=1)
    start = end - dt.timedelta(days=rating_setting("RATING_WINDOW_DAYS") + MARGIN_DAYS + 1)
    return {"rows": case_counts_refresh(start=start, end=end)}
