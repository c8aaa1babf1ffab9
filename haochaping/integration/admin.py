"""Integration clients are created and revoked with `haochaping integration-client`; admin only lists them."""

from django.contrib import admin

from haochaping.integration.models import IntegrationClient


@admin.register(IntegrationClient)
class IntegrationClientAdmin(admin.ModelAdmin):
    list_display = ["name", "app_id", "scope_code", "created_at", "revoked_at"]
    search_fields = ["name", "app_id", "scope_code"]
    exclude = ["secret_encrypted"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
