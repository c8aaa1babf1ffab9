"""Every write of the notifications app.

:func:`notify` puts a message in users' inboxes and, for users who chose instant delivery, queues
an SMS. :func:`sms_queue` writes the SMS log row *in the caller's transaction* (outbox style) and
enqueues its delivery when that transaction commits; :func:`sms_deliver` (run by the
``deliver_sms`` job) claims the row, calls the gateway outside any transaction, and records the
result. A delivery interrupted by a crash is picked up again by the ``sms-outbox-drain`` periodic
job, so an SMS is sent at least once; the gateway message id lets operators spot the rare repeat.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction

from haochaping.accounts.models import User
from haochaping.core import bulk
from haochaping.core.clock import now as clock_now
from haochaping.core.exceptions import InvalidInput, NotFound
from haochaping.notifications import messages
from haochaping.notifications.enums import Delivery, SmsStatus
from haochaping.notifications.models import Notification, NotificationPreference, SmsMessage
from haochaping.notifications.sms import (
    OutgoingSms,
    SmsSendError,
    get_backend,
    mask_phone,
    phone_digest,
    sms_settings,
)

DEFAULT_RATE_LIMITS = [(60, 3), (3600, 10), (86400, 30)]
DEFAULT_SMS_ATTEMPTS = 3


def preference_for(user: User) -> NotificationPreference:
    pref = getattr(user, "_notification_preference_cache", None)
    if pref is None:
        try:
            pref = user.notification_preference
        except NotificationPreference.DoesNotExist:
            pref = NotificationPreference(user=user)
        user._notification_preference_cache = pref  # type: ignore[attr-defined]
    return pref


def sms_number_for(user: User) -> str:
    pref = preference_for(user)
    if pref.mobile:
        return pref.mobile
    staff = getattr(user, "staff", None)
    return staff.mobile if staff is not None and staff.mobile else ""


def sms_language_for(user: User) -> str:
    return preference_for(user).language or user.preferred_language or settings.LANGUAGE_CODE


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    message: str,
    params: dict[str, Any],
    url: str = "",
    sms: bool = False,
    dedup_key: str = "",
) -> list[Notification]:
    """Put ``message`` in each recipient's inbox; SMS instant-delivery users when ``sms``.

    With ``dedup_key`` a recipient gets the message once however often this is called.
    """
    messages.get_message(message)  # unknown templates fail here, not when someone reads them
    now = clock_now()
    created = []
    for user in recipients:
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user,
                    message=message,
                    params=params,
                    url=url[:300],
                    created_at=now,
                    dedup_key=dedup_key,
                )
        except IntegrityError:
            continue  # already delivered under this dedup key
        created.append(note)
        if not sms:
            continue
        pref = preference_for(user)
        number = sms_number_for(user)
        if pref.sms_enabled and pref.delivery == Delivery.INSTANT and number:
            sms_queue(
                phone=number,
                message=message,
                params=params,
                language=sms_language_for(user),
                user=user,
                dedup_key=f"n{note.pk}",
            )
    return created


@dataclass(frozen=True)
class NotifyDelivery:
    """One message of a :func:`notify_many` batch: its recipients, parameters and link."""

    recipients: Sequence[User]
    params: dict[str, Any]
    url: str = ""


@transaction.atomic
def notify_many(*, message: str, deliveries: Sequence[NotifyDelivery], sms: bool = False) -> int:
    """:func:`notify` (without ``dedup_key``) for many messages of one template, in bulk.

    The same rows as one :func:`notify` call per delivery, in the same order: one inbox row per
    recipient, and for instant-delivery users an SMS queued as :func:`sms_queue` does (same
    text, language, rate limits, per-number locks and ``n<notification id>`` dedup keys), but
    with one INSERT per table and a few queries per batch instead of several per message.
    Pass recipients loaded with ``select_related("notification_preference", "staff")`` to read
    no preference per user. Returns the number of inbox rows written."""
    messages.get_message(message)
    now = clock_now()
    notes = [
        Notification(
            recipient=user,
            message=message,
            params=d.params,
            url=d.url[:300],
            created_at=now,
            dedup_key="",
        )
        for d in deliveries
        for user in d.recipients
    ]
    if not notes:
        return 0
    bulk.insert(notes)
    if sms:
        outgoing = []
        for note in notes:
            user = note.recipient
            pref = preference_for(user)
            number = sms_number_for(user)
            if pref.sms_enabled and pref.delivery == Delivery.INSTANT and number:
                outgoing.append(
                    QueuedSms(
                        phone=number,
                        message=message,
                        params=note.params,
                        language=sms_language_for(user),
                        user=user,
                        dedup_key=f"n{note.pk}",
                    )
                )
        sms_queue_many(outgoing)
    return len(notes)


@transaction.atomic
def notification_mark_read(*, notification_id: int, acting_user: User) -> Notification:
    note = (
        Notification.objects.select_for_update()
        .filter(pk=notification_id, recipient=acting_user)
        .first()
    )
    if note is None:
        raise NotFound()
    if note.read_at is None:
        note.read_at = clock_now()
        note.save(update_fields=["read_at"])
    return note


def notification_mark_all_read(*, acting_user: User) -> int:
    return Notification.objects.filter(recipient=acting_user, read_at__isnull=True).update(
        read_at=clock_now()
    )


@transaction.atomic
def preference_update(
    *,
    acting_user: User,
    delivery: str,
    sms_enabled: bool,
    mobile: str = "",
    language: str = "",
) -> NotificationPreference:
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=acting_user
    )
    pref.delivery = delivery
    pref.sms_enabled = sms_enabled
    pref.mobile = mobile
    pref.language = language
    try:
        pref.full_clean()
    except Exception as exc:  # ValidationError -> InvalidInput with per-field messages
        raise InvalidInput.from_validation_error(exc) from exc
    pref.save()
    return pref


def _lock_recipient(digest: str) -> None:
    """Serialise queueing for one number until the transaction ends, so the limit is exact.

    PostgreSQL: a transaction-scoped advisory lock on the number's hash. SQLite: transactions
    already take the database's write lock when they begin (IMMEDIATE mode), so nothing to do.
    """
    if connection.vendor == "postgresql":
        key = int(digest[:16], 16) - (1 << 63)  # a signed 64-bit key
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _rate_limited(digest: str, now: dt.datetime) -> bool:
    limits = sms_settings().get("RATE_LIMITS", DEFAULT_RATE_LIMITS)
    counted = [SmsStatus.PENDING, SmsStatus.SENDING, SmsStatus.SENT]
    for seconds, most in limits:
        recent = SmsMessage.objects.filter(
            phone_hash=digest,
            status__in=counted,
            created_at__gte=now - dt.timedelta(seconds=seconds),
        )
        if recent.count() >= most:
            return True
    return False


def sms_queue(
    *,
    phone: str,
    message: str,
    params: dict[str, Any],
    language: str,
    user: User | None = None,
    dedup_key: str = "",
) -> SmsMessage:
    """Log an SMS and queue its delivery when the current transaction commits.

    Over the per-recipient rate limit the SMS is logged with status ``rate_limited`` and not sent.
    With ``dedup_key`` the same SMS is queued once (the existing row is returned).
    """
    now = clock_now()
    digest = phone_digest(phone)
    text = messages.render(message, params, language=language).sms
    with transaction.atomic():
        _lock_recipient(digest)
        if dedup_key:
            existing = SmsMessage.objects.filter(dedup_key=dedup_key).first()
            if existing is not None:
                return existing
        limited = _rate_limited(digest, now)
        row = SmsMessage.objects.create(
            created_at=now,
            user=user,
            phone="" if limited else phone,
            phone_masked=mask_phone(phone),
            phone_hash=digest,
            message=message,
            language=language,
            body=text,
            status=SmsStatus.RATE_LIMITED if limited else SmsStatus.PENDING,
            dedup_key=dedup_key,
        )
    if not limited:
        transaction.on_commit(lambda: _enqueue_delivery(row.pk))
    return row


@dataclass(frozen=True)
class QueuedSms:
    phone: str
    message: str
    params: dict[str, Any]
    language: str
    user: User | None = None
    dedup_key: str = ""


def _lock_recipients(digests: Iterable[str]) -> None:
    """:func:`_lock_recipient` for many numbers in one statement, in key order (no deadlock
    between two batches that share numbers)."""
    if connection.vendor == "postgresql":
        keys = sorted({int(d[:16], 16) - (1 << 63) for d in digests})
        if keys:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [keys]
                )


def sms_queue_many(batch: Sequence[QueuedSms]) -> list[SmsMessage]:
    """:func:`sms_queue` for many SMS in the caller's transaction, in order, in bulk.

    Same rows as calling :func:`sms_queue` for each in turn: an existing dedup key returns that
    row; the rate limits count the rows already logged plus those queued earlier in the batch."""
    if not batch:
        return []
    now = clock_now()
    digests = [phone_digest(q.phone) for q in batch]
    texts = [messages.render(q.message, q.params, language=q.language).sms for q in batch]
    rows: list[SmsMessage | None] = [None] * len(batch)
    with transaction.atomic():
        _lock_recipients(digests)
        keys = [q.dedup_key for q in batch if q.dedup_key]
        existing = (
            {row.dedup_key: row for row in SmsMessage.objects.filter(dedup_key__in=keys)}
            if keys
            else {}
        )
        limits = sms_settings().get("RATE_LIMITS", DEFAULT_RATE_LIMITS)
        counted = [SmsStatus.PENDING, SmsStatus.SENDING, SmsStatus.SENT]
        windows: list[tuple[int, Counter]] = []
        for seconds, most in limits:
            logged = (
                SmsMessage.objects.filter(
                    phone_hash__in=set(digests),
                    status__in=counted,
                    created_at__gte=now - dt.timedelta(seconds=seconds),
                )
                .values_list("phone_hash")
                .annotate(n=models.Count("pk"))
            )
            windows.append((most, Counter(dict(logged))))
        new: list[SmsMessage] = []
        for i, (q, digest) in enumerate(zip(batch, digests, strict=True)):
            if q.dedup_key in existing:
                rows[i] = existing[q.dedup_key]
                continue
            limited = any(counts[digest] >= most for most, counts in windows)
            if not limited:  # queued now: counts in every window for the next ones
                for _most, counts in windows:
                    counts[digest] += 1
            row = SmsMessage(
                created_at=now,
                user=q.user,
                phone="" if limited else q.phone,
                phone_masked=mask_phone(q.phone),
                phone_hash=digest,
                message=q.message,
                language=q.language,
                body=texts[i],
                status=SmsStatus.RATE_LIMITED if limited else SmsStatus.PENDING,
                dedup_key=q.dedup_key,
            )
            if q.dedup_key:
                existing[q.dedup_key] = row
            rows[i] = row
            new.append(row)
        bulk.insert(new)
    for row in new:
        if row.status == SmsStatus.PENDING:
            transaction.on_commit(partial(_enqueue_delivery, row.pk))
    return [row for row in rows if row is not None]


def _enqueue_delivery(sms_id: int) -> None:
    from haochaping.notifications.tasks import deliver_sms

    deliver_sms.enqueue(sms_id)


def _claim(sms_id: int, now: dt.datetime) -> SmsMessage | None:
    with transaction.atomic():
        row = SmsMessage.objects.select_for_update().filter(pk=sms_id).first()
        if row is None or row.status != SmsStatus.PENDING:
            return None
        row.status = SmsStatus.SENDING
        row.attempts += 1
        row.last_attempt_at = now
        row.save(update_fields=["status", "attempts", "last_attempt_at"])
        return row


class SmsRetryLater(Exception):
    """The gateway failed; the delivery job retries with backoff."""


def sms_deliver(*, sms_id: int) -> SmsMessage | None:
    """Send one queued SMS. Returns the row, or None when there was nothing to send."""
    row = _claim(sms_id, clock_now())
    if row is None:
        return None
    backend = get_backend()
    try:
        provider_id = backend.send(
            OutgoingSms(
                message_id=row.pk, phone=row.phone, text=row.body, phone_masked=row.phone_masked
            )
        )
    except SmsSendError as exc:
        max_attempts = int(sms_settings().get("MAX_ATTEMPTS", DEFAULT_SMS_ATTEMPTS))
        final = row.attempts >= max_attempts
        SmsMessage.objects.filter(pk=row.pk).update(
            status=SmsStatus.FAILED if final else SmsStatus.PENDING,
            error=str(exc)[:2000],
            backend=backend.name,
            **({"phone": ""} if final else {}),
        )
        if final:
            row.refresh_from_db()
            return row
        raise SmsRetryLater(str(exc)) from exc
    SmsMessage.objects.filter(pk=row.pk).update(
        status=SmsStatus.SENT,
        sent_at=clock_now(),
        provider_id=provider_id[:100],
        backend=backend.name,
        phone="",
        error="",
    )
    row.refresh_from_db()
    return row


def sms_outbox_drain(*, now: dt.datetime | None = None) -> int:
    """Re-enqueue SMS whose delivery job was lost (never enqueued, or its worker died mid-send)."""
    now = now or clock_now()
    stale = now - dt.timedelta(minutes=5)
    with transaction.atomic():
        stuck = list(
            SmsMessage.objects.select_for_update()
            .filter(status=SmsStatus.SENDING, last_attempt_at__lt=stale)
            .values_list("pk", flat=True)
        )
        SmsMessage.objects.filter(pk__in=stuck).update(status=SmsStatus.PENDING)
    never = list(
        SmsMessage.objects.filter(
            status=SmsStatus.PENDING, attempts=0, created_at__lt=stale
        ).values_list("pk", flat=True)[:1000]
    )
    for sms_id in [*stuck, *never]:
        _enqueue_delivery(sms_id)
    return len(stuck) + len(never)


def send_daily_digests(*, period: str, now: dt.datetime | None = None) -> int:
    """One SMS per digest-preferring user with unread, not yet digested messages."""
    now = now or clock_now()
    sent = 0
    prefs = NotificationPreference.objects.filter(
        delivery=Delivery.DIGEST, sms_enabled=True
    ).select_related("user", "user__staff")
    for pref in prefs.iterator():
        user = pref.user
        user._notification_preference_cache = pref  # type: ignore[attr-defined]
        number = sms_number_for(user)
        if not number or not user.is_active:
            continue
        with transaction.atomic():
            pending = Notification.objects.select_for_update().filter(
                recipient=user, read_at__isnull=True, digested_at__isnull=True, created_at__lte=now
            )
            count = pending.count()
            if not count:
                continue
            pending.update(digested_at=now)
            sms_queue(
                phone=number,
                message="digest.daily",
                params={"count": count},
                language=sms_language_for(user),
                user=user,
                dedup_key=f"digest:{user.pk}:{period}",
            )
        sent += 1
    return sent
