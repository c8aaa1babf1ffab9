from django.contrib import admin

from haochaping.privacy.models import RevealLog


@admin.register(RevealLog)
class RevealLogAdmin(admin.ModelAdmin):
    """The reveal log, read-only (append-only by design: written only by the reveal services)."""

    list_display = ["created_at", "user", "role", "target", "object_id", "reason", "address"]
    list_filter = ["target", "role"]
    search_fields = ["user__username", "object_id", "reason"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
