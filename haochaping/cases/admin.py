from django.contrib import admin

from haochaping.cases.models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "project_no",
        "item",
        "unit",
        "window",
        "staff",
        "apply_channel",
        "status",
        "accepted_at",
        "completed_at",
    ]
    list_filter = ["status", "apply_channel", "unit__region"]
    search_fields = ["project_no", "item__name", "item__task_code"]
    date_hierarchy = "accepted_at"
    list_select_related = ["item", "unit", "window", "window__hall", "staff"]
    raw_id_fields = ["item", "unit", "window", "staff"]
    exclude = ["applicant_cert_no", "applicant_mobile"]
