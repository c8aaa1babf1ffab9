from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from haochaping.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "scope_region", "scope_unit", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            _("Role and scope"),
            {
                "fields": (
                    "display_name",
                    "role",
                    "scope_region",
                    "scope_unit",
                    "staff",
                    "preferred_language",
                )
            },
        ),
    )
    raw_id_fields = ["scope_unit", "staff"]
