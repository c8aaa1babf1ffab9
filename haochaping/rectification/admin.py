"""Admin: handler designations are kept here; rectifications are shown read only (every change
goes through the services, on the workbench or the API)."""

from __future__ import annotations

from django.contrib import admin

from haochaping.rectification.models import HandlerDesignation, Rectification


@admin.register(HandlerDesignation)
class HandlerDesignationAdmin(admin.ModelAdmin):
    list_display = ("unit", "user", "is_backup", "created_at")
    list_filter = ("is_backup",)
    search_fields = ("unit__name", "user__username", "user__display_name")
    autocomplete_fields = ()
    raw_id_fields = ("unit", "user")


@admin.register(Rectification)
class RectificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "label",
        "unit",
        "status",
        "handler",
        "contact_due_at",
        "feedback_due_at",
        "close_due_at",
        "opened_at",
    )
    list_filter = ("status", "is_complex", "is_real_name")
    search_fields = ("case__project_no", "unit__name", "rating__receipt")
    list_select_related = ("unit", "case", "handler")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
