from django.contrib import admin

from haochaping.org.models import Hall, Region, Staff, Unit, Window


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_bo", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "credit_code",
        "region",
        "parent",
        "is_service_administration",
        "active",
    ]
    list_filter = ["kind", "is_service_administration", "region", "active"]
    search_fields = ["name", "short_name", "credit_code"]
    readonly_fields = ["path"]
    list_select_related = ["region", "parent"]


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "operator"]
    list_filter = ["region"]
    search_fields = ["name"]
    inlines = [WindowInline]


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "hall", "unit", "bilingual", "active"]
    list_filter = ["hall", "bilingual", "active"]
    search_fields = ["number", "name"]
    list_select_related = ["hall", "unit"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["name", "staff_no", "unit", "window", "active"]
    list_filter = ["active", "unit__region"]
    search_fields = ["name", "staff_no"]
    list_select_related = ["unit", "window", "window__hall"]
