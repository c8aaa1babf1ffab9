"""Background entry points of the notifications app: take ids, call one service."""

from __future__ import annotations

from django_tasks import task

from haochaping.jobs.retry import retry_policy
from haochaping.notifications import services


@task()
@retry_policy(max_attempts=services.DEFAULT_SMS_ATTEMPTS, base_delay=60, max_delay=900)
def deliver_sms(sms_id: int) -> str | None:
    row = services.sms_deliver(sms_id=sms_id)
    return None if row is None else row.status


@task()
def sms_outbox_drain() -> int:
    return services.sms_outbox_drain()


@task()
def send_daily_digests(period: str) -> int:
    return services.send_daily_digests(period=period)
