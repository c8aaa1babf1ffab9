"""Read-only Django admin lists; operators act on the data-out page (/dataout/), which audits."""

from __future__ import annotations

from django.contrib import admin

from haochaping.dataout.models import AuditEntry, OutboxAttempt, OutboxMessage, ReconciliationRun


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnly):
    list_display = [
        "record_id",
        "topic",
        "aggregate_key",
        "status",
        "attempts",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "topic"]
    search_fields = ["record_id", "aggregate_key"]


@admin.register(OutboxAttempt)
class OutboxAttemptAdmin(ReadOnly):
    list_display = [
        "message",
        "number",
        "outcome",
        "http_status",
        "worker",
        "started_at",
        "duration_ms",
    ]
    list_filter = ["outcome"]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnly):
    list_display = ["day", "topic", "status", "local_count", "platform_count", "created_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly):
    list_display = ["created_at", "actor_label", "action", "message"]
