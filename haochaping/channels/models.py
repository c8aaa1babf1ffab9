"""Hall tablets (devices), prompts pushed to them, rating links, and staff-entered ratings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.channels.enums import EntryKind, LinkPurpose, LinkState
from haochaping.ratings.enums import AssessNumber, Channel, Stage


class Device(models.Model):
    """A hall tablet evaluator bound to one window.

    An administrator creates the device and gets a pairing code (shown once). The tablet trades
    the code for a device token kept in an HttpOnly cookie. Code and token are stored only as
    hashes; revoking the device ends the token at once.
    """

    window = models.ForeignKey(
        "org.Window", verbose_name=_("window"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    pairing_code_hash = models.CharField(max_length=64, blank=True)
    pairing_expires_at = models.DateTimeField(_("pairing code valid until"), null=True, blank=True)
    token_hash = models.CharField(max_length=64, blank=True)
    paired_at = models.DateTimeField(_("paired at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("hall tablet")
        verbose_name_plural = _("hall tablets")
        ordering = ["window_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"],
                condition=~models.Q(token_hash=""),
                name="device_token_unique",
            ),
            models.UniqueConstraint(
                fields=["pairing_code_hash"],
                condition=~models.Q(pairing_code_hash=""),
                name="device_pairing_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_paired(self) -> bool:
        return self.paired_at is not None and self.revoked_at is None


class Prompt(models.Model):
    """A case the window's business system asked the tablet to have rated."""

    window = models.ForeignKey(
        "org.Window", verbose_name=_("window"), on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("shown until"))
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    source_client = models.ForeignKey(
        "integration.IntegrationClient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("tablet prompt")
        verbose_name_plural = _("tablet prompts")
        ordering = ["-id"]
        indexes = [models.Index(fields=["window", "-id"], name="prompt_window_latest")]

    def __str__(self) -> str:
        return f"{self.window_id}: {self.case_id}"


class RatingLink(models.Model):
    """A single-use, expiring link to rate one case at one stage (QR, SMS, portal, follow-up).

    Only the SHA-256 of the token is stored: the URL is shown once, when it is made.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    assess_number = models.PositiveSmallIntegerField(
        _("assess number"), choices=AssessNumber.choices, default=AssessNumber.FIRST
    )
    channel = models.CharField(_("channel"), max_length=1, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=16, choices=LinkPurpose.choices)
    return_url = models.URLField(_("return URL"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    rating = models.OneToOneField(
        "ratings.Rating",
        verbose_name=_("rating"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_client = models.ForeignKey(
        "integration.IntegrationClient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rating link")
        verbose_name_plural = _("rating links")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "stage"], name="rating_link_case_stage")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(rating__isnull=False),
                name="rating_link_used_has_rating",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.assess_number}"

    def state(self, at) -> LinkState:
        if self.used_at is not None:
            return LinkState.USED
        if at >= self.expires_at:
            return LinkState.EXPIRED
        return LinkState.OPEN


class StaffEntry(models.Model):
    """The staff side of a rating keyed in by an operator (phone) or from a paper form.

    The rating itself is an ordinary Rating with ``is_staff_entered`` (and ``is_paper``); this row
    records who keyed it in, and for paper the form's reference number.
    """

    rating = models.OneToOneField(
        "ratings.Rating",
        verbose_name=_("rating"),
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    paper_ref = models.CharField(_("paper form reference number"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("staff-entered rating")
        verbose_name_plural = _("staff-entered ratings")
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper_ref"], condition=~models.Q(paper_ref=""), name="paper_ref_once"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="phone", paper_ref="")
                | (models.Q(kind="paper") & ~models.Q(paper_ref="")),
                name="paper_ref_only_and_always_for_paper",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.rating_id}"
