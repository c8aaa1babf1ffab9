from django.contrib import admin

from haochaping.jobs.models import DeadlineMarker, PeriodicRun, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdmin):
    list_display = ["name", "period_key", "enqueued_at", "scheduler_id", "task_result_id"]
    list_filter = ["name"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["worker_id", "hostname", "pid", "started_at", "beat_at", "runs_scheduler"]


@admin.register(DeadlineMarker)
class DeadlineMarkerAdmin(ReadOnlyAdmin):
    list_display = ["rule", "item_key", "due_at", "marker", "created_at"]
    list_filter = ["rule", "marker"]
    search_fields = ["item_key"]
