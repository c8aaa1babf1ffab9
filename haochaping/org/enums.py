from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province / autonomous region")
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")
    PARK = "park", _("Park")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", _("People's government")
    DEPARTMENT = "department", _("Government department")
    AGENCY = "agency", _("Managed body / public institution")
    PARK_COMMITTEE = "park_committee", _("Park management committee")
    ENTERPRISE = "enterprise", _("Public-service enterprise")
