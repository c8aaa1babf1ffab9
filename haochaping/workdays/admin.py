"""Read-only views in Django's admin: every change goes through /workdays/ (audited, recomputed)."""

from django.contrib import admin

from haochaping.workdays.models import CalendarAudit, CalendarEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarEntry)
class CalendarEntryAdmin(ReadOnlyAdmin):
    list_display = ["date", "kind", "name", "region_code", "source"]
    list_filter = ["kind", "region_code"]
    date_hierarchy = "date"
    search_fields = ["name", "source"]


@admin.register(CalendarAudit)
class CalendarAuditAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "via", "date", "region_code"]
    list_filter = ["action", "via"]
