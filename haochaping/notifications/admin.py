from django.contrib import admin

from haochaping.notifications.models import Notification, NotificationPreference, SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """The SMS log. The full number is never shown (and is erased once the SMS is final)."""

    list_display = [
        "created_at",
        "phone_masked",
        "message",
        "language",
        "status",
        "attempts",
        "backend",
        "sent_at",
    ]
    list_filter = ["status", "message", "language", "backend"]
    search_fields = ["phone_masked", "provider_id"]
    exclude = ["phone", "phone_hash"]
    readonly_fields = [
        f.name for f in SmsMessage._meta.fields if f.name not in {"phone", "phone_hash"}
    ]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "message", "read_at"]
    list_filter = ["message"]
    raw_id_fields = ["recipient"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "delivery", "sms_enabled", "language"]
    raw_id_fields = ["user"]
