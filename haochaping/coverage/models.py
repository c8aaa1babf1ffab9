"""Coverage: supplementary-rating tasks, system-default policy, society's comments (综合点评),
supervision samples with callback interviews, mystery visits (暗访) and their follow-up actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from haochaping.core.fields import EncryptedCharField
from haochaping.coverage.enums import (
    Answer,
    AttemptKind,
    CommentSource,
    CommentStatus,
    FollowUpStatus,
    InterviewOutcome,
    SampleKind,
    Sentiment,
    SubjectKind,
    TaskResolution,
    TaskStatus,
    Topic,
)
from haochaping.ratings.enums import Level

USER = settings.AUTH_USER_MODEL


class SupplementaryTask(models.Model):
    """An online case completed without a rating: the window collects one within 5 working days."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        "org.Window",
        verbose_name=_("window"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    resolution = models.CharField(
        _("resolution"),
        max_length=10,
        choices=TaskResolution.choices,
        default=TaskResolution.NONE,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"))
    started_at = models.DateTimeField(_("clock starts (case completed)"))
    days = models.PositiveSmallIntegerField(_("working days"))
    due_at = models.DateTimeField(_("due"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    on_time = models.BooleanField(_("rated on time"), null=True, blank=True)
    overdue = models.BooleanField(_("overdue"), default=False)
    rating = models.OneToOneField(
        "ratings.Rating",
        verbose_name=_("rating"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("supplementary-rating task")
        verbose_name_plural = _("supplementary-rating tasks")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="cov_task_status_due"),
            models.Index(fields=["unit", "status"], name="cov_task_unit_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TaskStatus.open_values(), closed_at__isnull=True)
                | (
                    ~models.Q(status__in=TaskStatus.open_values())
                    & models.Q(closed_at__isnull=False)
                ),
                name="cov_task_closed_iff_ended",
            )
        ]

    def __str__(self) -> str:
        return str(self.case_id)

    def get_absolute_url(self) -> str:
        return reverse("coverage:task", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in TaskStatus.open_values()


class TaskAttempt(models.Model):
    """One contact with the citizen for a task (SMS sent, phone answer, not reached, declined)."""

    task = models.ForeignKey(SupplementaryTask, on_delete=models.CASCADE, related_name="attempts")
    kind = models.CharField(_("kind"), max_length=12, choices=AttemptKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    sms_id = models.BigIntegerField(null=True, blank=True)
    rating = models.ForeignKey(
        "ratings.Rating",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )
    acting_user = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"


class DefaultRatingPolicy(models.Model):
    """Whether a region writes system-default ratings (practice in some provinces, off unless set).

    A unit's region uses its own policy or its nearest ancestor's.
    """

    region = models.OneToOneField(
        "org.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    enabled = models.BooleanField(_("write system-default ratings"), default=False)
    after_days = models.PositiveSmallIntegerField(_("natural days after completion"), default=7)
    level = models.CharField(
        _("default level"), max_length=20, choices=Level.choices, default=Level.BASIC
    )

    class Meta:
        verbose_name = _("system-default rating policy")
        verbose_name_plural = _("system-default rating policies")

    def __str__(self) -> str:
        return str(self.region)


class Comment(models.Model):
    """A 综合点评: a comment from society about a unit, hall or service item (not a case)."""

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    source = models.CharField(_("source"), max_length=8, choices=CommentSource.choices)
    subject_kind = models.CharField(_("about"), max_length=8, choices=SubjectKind.choices)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    hall = models.ForeignKey(
        "org.Hall",
        verbose_name=_("hall"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("service item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("comment"))
    source_ref = models.CharField(_("slip, call or message number"), max_length=60, blank=True)
    submitter_name = models.CharField(_("name"), max_length=100, blank=True)
    submitter_mobile = EncryptedCharField(_("mobile"), max_length=20, blank=True)
    submitter_email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    received_at = models.DateTimeField(_("received at"))
    created_at = models.DateTimeField(_("registered at"))
    registered_by = models.ForeignKey(
        USER,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CommentStatus.choices, default=CommentStatus.NEW
    )
    sentiment = models.CharField(
        _("classification"), max_length=12, choices=Sentiment.choices, blank=True
    )
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices, blank=True)
    classified_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    classified_at = models.DateTimeField(_("classified at"), null=True, blank=True)
    classification_note = models.CharField(_("note"), max_length=500, blank=True)
    rating = models.OneToOneField(
        "ratings.Rating",
        verbose_name=_("rating sent to rectification"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("society's comment (综合点评)")
        verbose_name_plural = _("society's comments (综合点评)")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["unit", "received_at"], name="cov_comment_unit_received")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="routed") | models.Q(rating__isnull=False),
                name="cov_comment_routed_has_rating",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("coverage:comment", args=[self.pk])


class Sample(models.Model):
    """A supervision sample (监督检查评), reproducible from its parameters and seed."""

    kind = models.CharField(_("kind"), max_length=12, choices=SampleKind.choices)
    name = models.CharField(_("name"), max_length=200)
    strata = models.JSONField(_("stratified by"), default=list)
    per_stratum = models.PositiveSmallIntegerField(_("per stratum"))
    seed = models.BigIntegerField(_("seed"))
    since = models.DateField(_("rated or created from"))
    until = models.DateField(_("until"))
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("only unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item_ids = models.JSONField(
        _("only these items (key services, new policies)"), default=list, blank=True
    )
    exclude_days = models.PositiveSmallIntegerField(_("exclude citizens contacted within days"))
    drawn_at = models.DateTimeField(_("drawn at"))
    drawn_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    population = models.PositiveIntegerField(_("population"), default=0)
    excluded = models.PositiveIntegerField(_("left out: recently contacted"), default=0)
    note = models.CharField(_("purpose"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("supervision sample")
        verbose_name_plural = _("supervision samples")
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("coverage:sample", args=[self.pk])


class SampleEntry(models.Model):
    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField()
    stratum = models.CharField(_("stratum"), max_length=200)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    rating = models.ForeignKey(
        "ratings.Rating",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
    )
    item = models.ForeignKey(
        "catalog.ServiceItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_key = models.CharField(max_length=64, blank=True, db_index=True)
    mismatch = models.BooleanField(_("mismatch"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["sample_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "position"], name="cov_entry_position"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=False) | models.Q(item__isnull=False),
                name="cov_entry_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}#{self.position}"


class Interview(models.Model):
    """A callback interview of a sampled citizen (one row per attempt)."""

    entry = models.ForeignKey(SampleEntry, on_delete=models.CASCADE, related_name="interviews")
    outcome = models.CharField(_("outcome"), max_length=12, choices=InterviewOutcome.choices)
    confirms_rating = models.CharField(
        _("confirms the rating"), max_length=8, choices=Answer.choices, blank=True
    )
    stated_level = models.CharField(
        _("level the citizen states"), max_length=20, choices=Level.choices, blank=True
    )
    entered_by_staff = models.CharField(
        _("rating entered by staff"), max_length=8, choices=Answer.choices, blank=True
    )
    pressured = models.CharField(
        _("pressured to rate"), max_length=8, choices=Answer.choices, blank=True
    )
    mismatch = models.BooleanField(_("mismatch"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    contact_key = models.CharField(max_length=64, blank=True, db_index=True)
    acting_user = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("callback interview")
        verbose_name_plural = _("callback interviews")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.outcome}"


class MysteryVisit(models.Model):
    """A mystery visit (暗访) to a hall, window or unit, with findings."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    hall = models.ForeignKey(
        "org.Hall",
        verbose_name=_("hall"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("service item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visited_at = models.DateTimeField(_("visited at"))
    scenario = models.CharField(_("scenario"), max_length=300)
    findings = models.TextField(_("findings"))
    problems_found = models.BooleanField(_("problems found"), default=False)
    level = models.CharField(_("overall impression"), max_length=20, choices=Level.choices)
    inspector = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("mystery visit (暗访)")
        verbose_name_plural = _("mystery visits (暗访)")
        ordering = ["-visited_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit} {self.visited_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("coverage:visit", args=[self.pk])


class FollowUpAction(models.Model):
    visit = models.ForeignKey(MysteryVisit, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=500)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=6, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.CharField(_("result"), max_length=500, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.description


class CoverageEvent(models.Model):
    """Timeline rows: ``coverage.task_created``, ``coverage.comment_routed`` ..."""

    subject = models.CharField(max_length=10)  # task, comment, sample, entry, visit
    subject_id = models.BigIntegerField()
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    acting_user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["subject", "subject_id"], name="cov_event_subject")]

    def __str__(self) -> str:
        return self.type
