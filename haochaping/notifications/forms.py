from django import forms

from haochaping.notifications.models import NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["delivery", "sms_enabled", "mobile", "language"]
        widgets = {"delivery": forms.RadioSelect}
