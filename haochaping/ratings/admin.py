"""Read-only admin views: ratings change only through services (submission, exclusion)."""

from django.contrib import admin

from haochaping.ratings.models import ContentVersion, Indicator, Rating, RatingEvent, ReasonOption


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReasonOptionInline(IndicatorInline):
    model = ReasonOption


@admin.register(ContentVersion)
class ContentVersionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "is_current", "retired_at"]
    inlines = [IndicatorInline, ReasonOptionInline]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = [
        "receipt",
        "case",
        "unit",
        "level",
        "channel",
        "stage",
        "assess_number",
        "validity",
        "assessed_at",
    ]
    list_filter = [
        "level",
        "channel",
        "validity",
        "is_staff_entered",
        "is_paper",
        "is_system_default",
    ]
    search_fields = ["receipt", "case__project_no"]
    list_select_related = ["case", "unit"]
    exclude = [
        "evaluator_cert_no",
        "evaluator_mobile",
    ]  # contact data is seen through the rectification flow


@admin.register(RatingEvent)
class RatingEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "type", "rating"]
    list_filter = ["type"]
