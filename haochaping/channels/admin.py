from django.contrib import admin

from haochaping.channels.models import Device, Prompt, RatingLink, StaffEntry


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "window", "paired_at", "last_seen_at", "revoked_at"]
    readonly_fields = [f.name for f in Device._meta.fields]

    def has_add_permission(self, request):
        return False  # through the tablets page, which shows the pairing code


@admin.register(StaffEntry)
class StaffEntryAdmin(admin.ModelAdmin):
    list_display = ["entered_at", "kind", "paper_ref", "operator", "rating"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in StaffEntry._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RatingLink)
class RatingLinkAdmin(admin.ModelAdmin):
    list_display = ["case", "stage", "assess_number", "purpose", "channel", "expires_at", "used_at"]
    list_filter = ["purpose", "channel"]
    readonly_fields = [f.name for f in RatingLink._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["window", "case", "stage", "created_at", "rated_at"]
    readonly_fields = [f.name for f in Prompt._meta.fields]
