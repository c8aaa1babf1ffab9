"""The routing table in the admin (changes go through the services), appeals read-only."""

from __future__ import annotations

from django.contrib import admin

from haochaping.appeals import services
from haochaping.appeals.models import Appeal, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("region", "unit", "centre", "reviewer_unit", "active", "updated_at")
    list_filter = ("active", "centre")
    fields = ("region", "unit", "centre", "reviewer_unit", "note")
    autocomplete_fields = ()

    def save_model(self, request, obj, form, change):
        rule = services.routing_rule_set(
            region=obj.region,
            unit=obj.unit,
            centre=obj.centre,
            reviewer_unit=obj.reviewer_unit,
            note=obj.note,
            acting_user=request.user,
        )
        obj.pk = rule.pk

    def delete_model(self, request, obj):
        services.routing_rule_deactivate(rule_id=obj.pk, acting_user=request.user)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = (
        "label",
        "unit",
        "reviewer_unit",
        "status",
        "final_outcome",
        "filed_at",
        "decision_due_at",
    )
    list_filter = ("status", "final_outcome")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
