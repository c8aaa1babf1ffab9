"""Code sets of GB/T 39046-2020 used by the service catalog (values are the wire codes)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    ADMINISTRATIVE_LICENSE = "01", _("Administrative licence (行政许可)")
    ADMINISTRATIVE_PAYMENT = "05", _("Administrative payment (行政给付)")
    ADMINISTRATIVE_CONFIRMATION = "07", _("Administrative confirmation (行政确认)")
    ADMINISTRATIVE_REWARD = "08", _("Administrative reward (行政奖励)")
    ADMINISTRATIVE_RULING = "09", _("Administrative ruling (行政裁决)")
    OTHER_POWER = "10", _("Other administrative power (其他行政权力)")
    PUBLIC_SERVICE = "20", _("Public service (公共服务事项)")


class CaseType(models.TextChoices):
    IMMEDIATE = "1", _("Handled at once (即办件)")
    PROMISED = "2", _("Handled within a promised time (承诺件)")
