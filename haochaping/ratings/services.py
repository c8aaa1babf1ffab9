"""Every write to ratings: submission (all channels), rollup counting, exclusion."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from haochaping.cases.models import Case
from haochaping.core.clock import LOCAL_TZ, now
from haochaping.core.compiled_queries import insert_compiled, riders
from haochaping.core.exceptions import Conflict, InvalidInput
from haochaping.core.identifiers import validate_credit_code, validate_id_number, validate_mobile
from haochaping.integrity.pipeline import check_rating
from haochaping.ratings.conf import rating_setting
from haochaping.ratings.enums import (
    Channel,
    EvaluatorType,
    Level,
    Stage,
    Validity,
    is_bad,
    origin_of,
)
from haochaping.ratings.events import (
    BAD_REVIEW_RECEIVED,
    RATING_EXCLUDED,
    bad_review_received,
    rating_event_record,
)
from haochaping.ratings.exceptions import AlreadyRated
from haochaping.ratings.models import ContentVersion, Rating, RatingRollup
from haochaping.ratings.partitions import rating_locate
from haochaping.ratings.selectors import content_option_levels, content_version_current_cached

RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
RECEIPT_LENGTH = 10
LANGUAGES = {"", "zh-hans", "bo", "en"}


def receipt_new() -> str:
    # 32 symbols divide 256 evenly, so "byte % 32" is unbiased: 50 random bits per code.
    return "".join(RECEIPT_ALPHABET[b % 32] for b in secrets.token_bytes(RECEIPT_LENGTH))


@dataclass(frozen=True)
class SubmitResult:
    rating: Rating
    created: bool  # False when an idempotency key replayed an earlier submission


# --- validation ---------------------------------------------------------------------------------


def _add(errors: dict[str, list[str]], field: str, message: Any) -> None:
    errors.setdefault(field, []).append(str(message))


def _validate(r: Rating, *, option_levels: dict[str, str], at: dt.datetime) -> None:
    """Field and rule checks that need no lock; raises InvalidInput with every problem at once."""
    errors: dict[str, list[str]] = {}
    text_max = rating_setting("RATING_TEXT_MAX")
    skew = dt.timedelta(seconds=rating_setting("CLOCK_SKEW_SECONDS"))
    if r.level not in Level.values:
        _add(errors, "level", _("Unknown satisfaction level."))
    if r.channel not in Channel.values:
        _add(errors, "channel", _("Unknown channel code."))
    if r.stage not in Stage.values:
        _add(errors, "stage", _("Unknown stage."))
    if r.assess_number not in (1, 2):
        _add(errors, "assess_number", _("The assess number is 1 (first rating) or 2 (follow-up)."))
    codes = r.option_codes
    if len(set(codes)) != len(codes):
        _add(errors, "option_codes", _("A reason code is given twice."))
    if len(codes) > rating_setting("MAX_OPTIONS"):
        _add(errors, "option_codes", _("Too many reason codes."))
    for code in codes:
        level = option_levels.get(code)
        if level is None:
            _add(
                errors,
                "option_codes",
                _("This reason code is not in the content version: %(code)s") % {"code": code},
            )
        elif level != r.level:
            _add(
                errors,
                "option_codes",
                _("This reason code belongs to another level: %(code)s") % {"code": code},
            )
    if len(r.text) > text_max:
        _add(
            errors,
            "text",
            _("The written evaluation is too long (at most %(n)d characters).") % {"n": text_max},
        )
    if len(r.other_text) > text_max:
        _add(
            errors,
            "other_text",
            _("The other reason is too long (at most %(n)d characters).") % {"n": text_max},
        )
    if (
        rating_setting("BAD_RATING_NEEDS_REASON")
        and r.level in Level.bad_levels()
        and not codes
        and not r.text.strip()
        and not r.other_text.strip()
        and not r.is_system_default
    ):
        _add(
            errors,
            "option_codes",
            _("A bad review needs at least one reason code or a written explanation."),
        )
    if r.assessed_at > at + skew:
        _add(errors, "assessed_at", _("The assessment time lies in the future."))
    case: Case | None = r.case
    if case is not None and r.assessed_at <= at + skew:
        if r.assessed_at < case.accepted_at - skew:
            _add(errors, "assessed_at", _("The assessment time is before the case was accepted."))
        elif r.stage == Stage.COMPLETION:
            if case.completed_at is None:
                _add(
                    errors,
                    "stage",
                    _("The case is not completed yet, so it cannot be rated at completion."),
                )
            elif r.assessed_at < case.completed_at - skew:
                _add(
                    errors,
                    "assessed_at",
                    _("The assessment time is before the case was completed."),
                )
            elif r.assess_number == 1 and r.assessed_at > case.completed_at + dt.timedelta(
                days=rating_setting("RATING_WINDOW_DAYS")
            ):
                _add(errors, "assessed_at", _("The rating period for this case has ended."))
    if r.evaluator_type not in EvaluatorType.values:
        _add(errors, "evaluator_type", _("Unknown evaluator type."))
    if r.evaluator_cert_no:
        validator = (
            validate_id_number if r.evaluator_type == EvaluatorType.PERSON else validate_credit_code
        )
        try:
            validator(r.evaluator_cert_no)
        except ValidationError as exc:
            errors.setdefault("evaluator_cert_no", []).extend(str(m) for m in exc.messages)
    if r.evaluator_mobile:
        try:
            validate_mobile(r.evaluator_mobile)
        except ValidationError as exc:
            errors.setdefault("evaluator_mobile", []).extend(str(m) for m in exc.messages)
    if len(r.evaluator_name) > 200:
        _add(errors, "evaluator_name", _("The name is too long (at most 200 characters)."))
    if r.language not in LANGUAGES:
        _add(errors, "language", _("Unknown language."))
    if len(r.device_id) > 64:
        _add(errors, "device_id", _("The device id is too long (at most 64 characters)."))
    if len(r.idempotency_key) > 64:
        _add(
            errors, "idempotency_key", _("The idempotency key is too long (at most 64 characters).")
        )
    if errors:
        raise InvalidInput(extra={"errors": errors})


# --- rollups -------------------------------------------------------------------------------------

_ROLLUP_KEY = (
    "day",
    "unit_id",
    "item_key",
    "window_key",
    "staff_key",
    "channel",
    "level",
    "origin",
    "assess_number",
)


def _rollup_sql() -> str:
    table = connection.ops.quote_name(RatingRollup._meta.db_table)
    cols = ", ".join(_ROLLUP_KEY)
    return (
        f"INSERT INTO {table} ({cols}, count) VALUES ({', '.join(['%s'] * (len(_ROLLUP_KEY) + 1))}) "  # noqa: S608
        f"ON CONFLICT ({cols}) DO UPDATE SET count = {table}.count + excluded.count"
    )


def rollup_key(rating: Rating) -> tuple:
    return (
        rating.assessed_at.astimezone(LOCAL_TZ).date(),
        rating.unit_id,
        rating.item_id or 0,
        rating.window_id or 0,
        rating.staff_id or 0,
        rating.channel,
        rating.level,
        origin_of(
            is_system_default=rating.is_system_default,
            is_paper=rating.is_paper,
            is_staff_entered=rating.is_staff_entered,
            has_case=rating.case_id is not None,
        ).value,
        rating.assess_number,
    )


def rollup_add(rating: Rating, delta: int) -> None:
    """Add ``delta`` to the rating's rollup row, creating it if needed, in the caller's transaction.

    One ``INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count`` (PostgreSQL and
    SQLite both have it): the database does the F()-style increment atomically, so concurrent
    submissions never lose a count and never need a retry.
    """
    if delta < 0:
        # Taking a count away: the row exists (the rating was counted when stored).
        key = rollup_key(rating)
        RatingRollup.objects.filter(**dict(zip(_ROLLUP_KEY, key, strict=True))).update(
            count=F("count") + delta
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(*rollup_statement(rating, delta))


def rollup_statement(rating: Rating, delta: int) -> tuple[str, list]:
    """The upsert adding ``delta`` (> 0) to the rating's rollup row, as ``(sql, params)``."""
    return _rollup_sql(), [*rollup_key(rating), delta]


# --- submission ----------------------------------------------------------------------------------


def rating_submit(
    *,
    level: Level | str,
    channel: Channel | str,
    assessed_at: dt.datetime,
    case: Case | None = None,
    unit: Any = None,
    stage: Stage | str = Stage.COMPLETION,
    assess_number: int = 1,
    option_codes: list[str] | None = None,
    text: str = "",
    other_text: str = "",
    is_paper: bool = False,
    is_staff_entered: bool = False,
    is_system_default: bool = False,
    content_version: ContentVersion | None = None,
    evaluator_type: EvaluatorType | str = EvaluatorType.PERSON,
    evaluator_name: str = "",
    evaluator_cert_no: str = "",
    evaluator_mobile: str = "",
    is_anonymous: bool = False,
    language: str = "",
    device_id: str = "",
    idempotency_key: str = "",
    is_public: bool = True,
    source_client: Any = None,
    acting_user: Any = None,
) -> SubmitResult:
    """Store one rating from any channel, count it, and start the bad-review clock.

    Raises InvalidInput (422, per-field errors, nothing stored), AlreadyRated (409) when the
    case already has a rating of this stage and number, Conflict when an idempotency key is
    reused for another case. The same idempotency key again returns the first rating with
    ``created=False``. Uniqueness is held by the database, so simultaneous submissions of one
    case give exactly one rating and one AlreadyRated.
    """
    at = now()
    version = content_version or content_version_current_cached()
    if is_anonymous:
        evaluator_name = evaluator_cert_no = evaluator_mobile = ""
    rating = Rating(
        case=case,
        unit=case.unit if case is not None else unit,
        item_id=case.item_id if case is not None else None,
        window_id=case.window_id if case is not None else None,
        staff_id=case.staff_id if case is not None else None,
        stage=str(stage),
        assess_number=assess_number,
        level=str(level),
        option_codes=list(option_codes or []),
        text=text or "",
        other_text=other_text or "",
        channel=str(channel),
        is_paper=is_paper,
        is_staff_entered=is_staff_entered,
        is_system_default=is_system_default,
        content_version=version,
        evaluator_type=str(evaluator_type),
        evaluator_name=evaluator_name or "",
        evaluator_cert_no=evaluator_cert_no or "",
        evaluator_mobile=evaluator_mobile or "",
        is_anonymous=is_anonymous,
        language=language or "",
        device_id=device_id or "",
        source_client=source_client,
        idempotency_key=idempotency_key or "",
        assessed_at=assessed_at,
        received_at=at,
        receipt=receipt_new(),
        is_public=is_public,
    )
    if rating.unit_id is None:
        raise InvalidInput(
            extra={"errors": {"unit": [str(_("A rating without a case needs a unit."))]}}
        )
    _validate(rating, option_levels=content_option_levels(version), at=at)
    if assess_number == 2 and case is not None:
        first = (
            Rating.objects.filter(case=case, stage=rating.stage, assess_number=1)
            .only("level")
            .first()
        )
        if first is None or not is_bad(first.level):
            raise InvalidInput(
                extra={
                    "errors": {
                        "assess_number": [
                            str(
                                _(
                                    "A follow-up rating is only possible after a bad review of the same case and stage."
                                )
                            )
                        ]
                    }
                }
            )
    try:
        _insert(rating, acting_user=acting_user)
    except IntegrityError:
        return _resolve_conflict(rating)
    return SubmitResult(rating=rating, created=True)


@transaction.atomic
def _insert(rating: Rating, *, acting_user: Any) -> None:
    with riders() as block:
        # save(force_insert=True), signals included, SQL built once. The post_save hooks may
        # hand their writes over to ride with integrity's statement (data-out's outbox row).
        insert_compiled(rating)
        # Integrity: a reject rolls back, flags are stored. The rollup count and the riders go
        # with its look-ups (one statement on PostgreSQL); its unit-share check leaves this
        # rating out. When it does not run, the riders run at the end of the block.
        counted = check_rating(
            rating,
            acting_user=acting_user,
            count=rollup_statement(rating, +1),
            also=block.take,
        )
    if rating.validity == Validity.VALID and not counted:
        rollup_add(rating, +1)
    elif rating.validity != Validity.VALID and counted:  # no check excludes today; if one did
        rollup_add(rating, -1)
    if rating.is_bad and rating.validity == Validity.VALID and not rating.is_system_default:
        rating_event_record(
            rating=rating,
            type=BAD_REVIEW_RECEIVED,
            acting_user=acting_user,
            payload={
                "receipt": rating.receipt,
                "case": rating.case.project_no if rating.case else None,
            },
        )
        bad_review_received.send(sender=Rating, rating=rating)


def _resolve_conflict(rating: Rating) -> SubmitResult:
    """Work out which unique rule a failed insert broke (the transaction has rolled back)."""
    rating.pk = None
    if rating.idempotency_key:
        where = rating_locate(idempotency_key=rating.idempotency_key)
        earlier = Rating.objects.filter(where).first() if where is not None else None
        if earlier is not None:
            if earlier.case_id != rating.case_id or earlier.stage != rating.stage:
                raise Conflict(_("This idempotency key was already used for another rating."))
            return SubmitResult(rating=earlier, created=False)
    if (
        rating.case_id is not None
        and Rating.objects.filter(
            case_id=rating.case_id, stage=rating.stage, assess_number=rating.assess_number
        ).exists()
    ):
        raise AlreadyRated()
    # A receipt-code collision (about one in 10^15): try once more with a new code.
    rating.receipt = receipt_new()
    try:
        _insert(rating, acting_user=None)
    except IntegrityError:
        raise Conflict() from None
    return SubmitResult(rating=rating, created=True)


@transaction.atomic
def rating_exclude(*, rating: Rating, reason: str, acting_user: Any = None) -> Rating:
    """Mark a rating not adopted (e.g. an upheld appeal) and take it out of the counts."""
    rating = Rating.objects.select_for_update().get(pk=rating.pk)
    if rating.validity == Validity.EXCLUDED:
        return rating
    if not reason.strip():
        raise InvalidInput(extra={"errors": {"excluded_reason": [str(_("Give a reason."))]}})
    rating.validity = Validity.EXCLUDED
    rating.excluded_reason = reason[:300]
    rating.save(update_fields=["validity", "excluded_reason"])
    rollup_add(rating, -1)
    rating_event_record(
        rating=rating, type=RATING_EXCLUDED, acting_user=acting_user, payload={"reason": reason}
    )
    return rating
