from django.db import models
from django.utils.translation import gettext_lazy as _

from haochaping.results.enums import Grain


class ReportKind(models.TextChoices):
    MONTHLY_BULLETIN = "monthly_bulletin", _("Monthly bulletin (public)")
    MONTHLY_BAD_REVIEWS = "monthly_bad_reviews", _("Monthly bad-review report (supervision)")
    QUARTERLY = "quarterly", _("Quarterly report")
    ANNUAL = "annual", _("Annual assessment table")

    @property
    def grain(self) -> str:
        return {
            "monthly_bulletin": Grain.MONTH,
            "monthly_bad_reviews": Grain.MONTH,
            "quarterly": Grain.QUARTER,
            "annual": Grain.YEAR,
        }[self.value]

    @property
    def is_public(self) -> bool:
        return self.value == "monthly_bulletin"


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded by a correction")

    @classmethod
    def open_values(cls) -> list[str]:
        return [cls.DRAFT.value, cls.IN_REVIEW.value]

    @classmethod
    def released_values(cls) -> list[str]:
        return [cls.PUBLISHED.value, cls.SUPERSEDED.value]


class FileFormat(models.TextChoices):
    XLSX = "xlsx", "Excel (XLSX)"
    PDF = "pdf", "PDF"


class Audience(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal (supervision)")
