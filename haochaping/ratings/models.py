"""Ratings from every channel, the versioned content catalog, rollup counts and the timeline."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.core.fields import EncryptedCharField
from haochaping.ratings.enums import (
    AssessNumber,
    Channel,
    ChannelGroup,
    EvaluatorType,
    Level,
    Origin,
    Stage,
    Validity,
)


class ContentVersion(models.Model):
    """A version of what the evaluator is shown: indicators and per-level reason options.

    A version is immutable once ratings refer to it; changing the content means a new version.
    Exactly one version is current (a partial unique constraint holds that).
    """

    code = models.CharField(_("version code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_current = models.BooleanField(_("current"), default=False)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rating content version")
        verbose_name_plural = _("rating content versions")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_content_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Indicator(models.Model):
    """An evaluation indicator (整体满意度, 办事效率 ...) shown to one channel group."""

    version = models.ForeignKey(ContentVersion, on_delete=models.CASCADE, related_name="indicators")
    channel_group = models.CharField(_("channel group"), max_length=8, choices=ChannelGroup.choices)
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    name_bo = models.CharField(_("name in Tibetan"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["version_id", "channel_group", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "channel_group", "code"], name="indicator_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReasonOption(models.Model):
    """A reason the evaluator may tick for one level (code = 好差评 level digit + index)."""

    version = models.ForeignKey(ContentVersion, on_delete=models.CASCADE, related_name="options")
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    code = models.CharField(_("code"), max_length=8)
    label = models.CharField(_("label"), max_length=100)
    label_bo = models.CharField(_("label in Tibetan"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("reason option")
        verbose_name_plural = _("reason options")
        ordering = ["version_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="reason_option_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Rating(models.Model):
    """One evaluation, whatever channel it came through.

    ``unit``, ``item``, ``window`` and ``staff`` are copied from the case at submission so that
    counting never joins back to cases; for 综合点评 (no case) only ``unit`` is set.
    """

    # Foreign keys carry no index of their own: the unique (case, stage, assess_number) and the
    # (unit, assessed_at) indexes lead with case and unit, and the other referenced rows are
    # never deleted (PROTECT / SET_NULL lookups may scan). Fewer indexes, faster ingest.
    # On PostgreSQL only ``case`` is a foreign key in the database too (migration 0010). The
    # others are copies taken from the case, or looked up by code, when the rating is stored:
    # PostgreSQL checked each of them once per row at commit, a fifth of a bulk import's
    # database time, for rows no code path deletes. Django still applies their on_delete
    # (PROTECT, SET_NULL), and the daily partitions-maintain job reports ids missing from
    # their tables (``partitions.dimension_orphans_count``; docs/decisions.md, 2026-11-29).
    case = models.ForeignKey(
        "cases.Case",
        db_index=False,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    unit = models.ForeignKey(
        "org.Unit",
        db_index=False,
        verbose_name=_("rated unit"),
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("service item"),
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    window = models.ForeignKey(
        "org.Window",
        verbose_name=_("window"),
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    staff = models.ForeignKey(
        "org.Staff",
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.COMPLETION
    )
    assess_number = models.PositiveSmallIntegerField(
        _("assess number"), choices=AssessNumber.choices, default=AssessNumber.FIRST
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    option_codes = models.JSONField(_("chosen reason codes"), default=list, blank=True)
    text = models.CharField(_("written evaluation"), max_length=1000, blank=True)
    other_text = models.CharField(_("other reason"), max_length=1000, blank=True)
    channel = models.CharField(_("channel"), max_length=1, choices=Channel.choices)
    is_paper = models.BooleanField(_("paper form keyed in"), default=False)
    is_staff_entered = models.BooleanField(_("entered by staff"), default=False)
    is_system_default = models.BooleanField(_("system default"), default=False)
    content_version = models.ForeignKey(
        ContentVersion,
        verbose_name=_("content version"),
        db_index=False,
        db_constraint=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    evaluator_type = models.CharField(
        _("evaluator type"),
        max_length=1,
        choices=EvaluatorType.choices,
        default=EvaluatorType.PERSON,
    )
    evaluator_name = models.CharField(_("evaluator name"), max_length=200, blank=True)
    evaluator_cert_no = EncryptedCharField(_("ID number or credit code"), max_length=18, blank=True)
    evaluator_mobile = EncryptedCharField(_("evaluator mobile"), max_length=20, blank=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    device_id = models.CharField(_("device or terminal id"), max_length=64, blank=True)
    source_client = models.ForeignKey(
        "integration.IntegrationClient",
        verbose_name=_("submitted by client"),
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)
    assessed_at = models.DateTimeField(_("assessed at"))
    received_at = models.DateTimeField(_("received at"))
    receipt = models.CharField(_("receipt code"), max_length=12)
    validity = models.CharField(
        _("validity"), max_length=10, choices=Validity.choices, default=Validity.VALID
    )
    excluded_reason = models.CharField(_("reason for exclusion"), max_length=300, blank=True)
    is_public = models.BooleanField(_("may be published"), default=True)
    # sha256 of the immutable content, set by the audit sealer (haochaping.audit.sealer) after
    # the insert; empty until then. Not written on the ingest path; the database default keeps raw
    # inserts (COPY imports, bench generators, other tools) valid.
    content_hash = models.CharField(
        _("content hash"), max_length=64, blank=True, default="", db_default=""
    )
    # sha256 of the evaluator's identity (name, ID number, mobile as plaintext), part of the
    # content hash; kept apart so that anonymisation after the retention period is told apart
    # from tampering.
    identity_hash = models.CharField(
        _("identity hash"), max_length=64, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-assessed_at"]
        indexes = [
            models.Index(fields=["unit", "assessed_at"], name="rating_unit_assessed_idx"),
            models.Index(fields=["assessed_at"], name="rating_assessed_idx"),
            # Only ratings the sealer has not hashed yet: tiny, so ingest barely pays for it.
            models.Index(
                fields=["id"], condition=models.Q(content_hash=""), name="rating_unsealed_idx"
            ),
        ]
        constraints = [
            # A constraint, not unique=True: no extra varchar_pattern_ops index on PostgreSQL.
            models.UniqueConstraint(fields=["receipt"], name="rating_receipt_unique"),
            models.UniqueConstraint(
                fields=["case", "stage", "assess_number"],
                condition=models.Q(case__isnull=False),
                name="one_rating_per_case_stage_number",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="rating_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(assess_number__in=[1, 2]), name="rating_assess_number_1_or_2"
            ),
            models.CheckConstraint(
                condition=models.Q(validity="valid", excluded_reason="")
                | models.Q(validity="excluded"),
                name="rating_excluded_reason_only_when_excluded",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt

    @property
    def is_bad(self) -> bool:
        return self.level in Level.bad_levels()

    @property
    def origin(self) -> Origin:
        from haochaping.ratings.enums import origin_of

        return origin_of(
            is_system_default=self.is_system_default,
            is_paper=self.is_paper,
            is_staff_entered=self.is_staff_entered,
            has_case=self.case_id is not None,
        )


class RatingRollup(models.Model):
    """Counts of valid ratings by day × unit × item × window × staff × channel × level.

    Reports read only this table. It is written in the same transaction as the ratings it counts
    (an upsert adding to ``count``), never by a scan. ``item_key``/``window_key``/``staff_key``
    are ids with 0 for "none", so the unique key has no NULLs and upserts always find their row.
    ``origin`` separates citizen-initiated ratings from staff-entered, paper and system defaults.
    """

    day = models.DateField(_("day (local)"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    item_key = models.BigIntegerField(default=0)
    window_key = models.BigIntegerField(default=0)
    staff_key = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=1, choices=Channel.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.CITIZEN)
    assess_number = models.PositiveSmallIntegerField(default=1)
    count = models.IntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(2**31 - 1)]
    )

    class Meta:
        verbose_name = _("rating count")
        verbose_name_plural = _("rating counts")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "unit",
                    "item_key",
                    "window_key",
                    "staff_key",
                    "channel",
                    "level",
                    "origin",
                    "assess_number",
                ],
                name="rating_rollup_key",
            ),
            models.CheckConstraint(
                condition=models.Q(count__gte=0), name="rating_rollup_count_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="rating_rollup_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.unit_id} {self.level}: {self.count}"


class RatingEvent(models.Model):
    """Timeline of a rating (``rating.received``, ``rating.bad_review_received`` ...)."""

    # No database constraint: ratings are partitioned on PostgreSQL (docs/partitioning.md).
    rating = models.ForeignKey(
        Rating, on_delete=models.CASCADE, db_constraint=False, related_name="events"
    )
    type = models.CharField(_("event type"), max_length=64, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    acting_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("rating event")
        verbose_name_plural = _("rating events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.type
