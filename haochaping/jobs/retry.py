"""Retry with exponential backoff, then park: django-tasks has no retries of its own.

A job function may declare its policy::

    @task()
    @retry_policy(max_attempts=3, base_delay=60)
    def push_rating(rating_id: int) -> None: ...

Jobs without a declaration get the defaults from ``HAOCHAPING_JOBS``. The worker
(:mod:`haochaping.jobs.worker`) applies the policy: a failed attempt is put back in the queue
with ``run_after = now + delay`` (its error kept on the row); after the last attempt the job is
*parked*: status FAILED with its error, shown on the jobs page, until an admin requeues it.
Raise :class:`PermanentJobError` to park at once (retrying cannot help).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from haochaping.jobs.conf import jobs_setting

F = TypeVar("F", bound=Callable[..., Any])


class PermanentJobError(Exception):
    """A failure retrying cannot fix (bad data, deleted object): park the job at once."""


class WorkerLost(Exception):
    """Recorded on a job whose worker process died (kill -9, power loss) while running it."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_delay: float
    max_delay: float

    def delay(self, attempt: int) -> dt.timedelta:
        """Wait before attempt ``attempt + 1`` after attempt ``attempt`` (1-based) failed."""
        seconds = min(self.base_delay * (2 ** max(attempt - 1, 0)), self.max_delay)
        return dt.timedelta(seconds=seconds)


def default_policy() -> RetryPolicy:
    return RetryPolicy(
        max_attempts=int(jobs_setting("MAX_ATTEMPTS")),
        base_delay=float(jobs_setting("BACKOFF_BASE_SECONDS")),
        max_delay=float(jobs_setting("BACKOFF_MAX_SECONDS")),
    )


def retry_policy(
    *, max_attempts: int, base_delay: float | None = None, max_delay: float | None = None
) -> Callable[[F], F]:
    """Declare the retry policy of a job function (put it under ``@task()``)."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def decorate(func: F) -> F:
        default = default_policy()
        func.retry_policy = RetryPolicy(  # type: ignore[attr-defined]
            max_attempts=max_attempts,
            base_delay=default.base_delay if base_delay is None else base_delay,
            max_delay=default.max_delay if max_delay is None else max_delay,
        )
        return func

    return decorate


def policy_for(task: Any) -> RetryPolicy:
    """The policy of a django-tasks Task (or the default when it declares none)."""
    func = getattr(task, "func", None)
    return getattr(func, "retry_policy", None) or default_policy()
