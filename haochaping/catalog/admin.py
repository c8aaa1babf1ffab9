from django.contrib import admin

from haochaping.catalog.models import ServiceItem


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = [
        "task_code",
        "name",
        "item_type",
        "unit",
        "online_capable",
        "case_type",
        "promised_days",
    ]
    list_filter = ["item_type", "case_type", "online_capable", "unit__region"]
    search_fields = ["task_code", "name"]
    list_select_related = ["unit"]
