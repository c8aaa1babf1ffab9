"""Forms of the calendar page: they parse input; the services validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from haochaping.workdays.arithmetic import MAX_WORKDAYS
from haochaping.workdays.enums import EntryKind

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EntryForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT, input_formats=["%Y-%m-%d"])
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryKind.choices)
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("For example 春节 or 藏历新年.")
    )
    source = forms.CharField(
        label=_("Source"), max_length=300, help_text=_("The notice this entry comes from.")
    )
    region_code = forms.CharField(
        label=_("Region scope"),
        max_length=12,
        required=False,
        help_text=_(
            "Empty for the national calendar; 540000 Tibet; 540100 Lhasa; any region code."
        ),
        widget=forms.TextInput(attrs={"list": "region-codes", "inputmode": "numeric"}),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Calendar file (CSV or JSON)"))
    year = forms.IntegerField(
        label=_("Year"),
        min_value=1949,
        max_value=2200,
        required=False,
        help_text=_("Leave empty to take the year most dates fall in."),
    )
    replace = forms.BooleanField(
        label=_("Replace the year"),
        required=False,
        help_text=_(
            "Also delete this year's entries of the file's scopes that the file does not list."
        ),
    )

    # A year's calendar is a few kilobytes; the file is read into memory.
    MAX_BYTES = 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        return upload


class ImportConfirmForm(forms.Form):
    content = forms.CharField(widget=forms.HiddenInput, strip=False)
    fmt = forms.ChoiceField(choices=[("csv", "CSV"), ("json", "JSON")], widget=forms.HiddenInput)
    year = forms.IntegerField(
        min_value=1949, max_value=2200, required=False, widget=forms.HiddenInput
    )
    replace = forms.BooleanField(required=False, widget=forms.HiddenInput)


class DeadlineForm(forms.Form):
    start = forms.DateField(
        label=_("Start day (not counted)"), widget=DATE_INPUT, input_formats=["%Y-%m-%d"]
    )
    n = forms.IntegerField(
        label=_("Working days"),
        min_value=0,
        max_value=MAX_WORKDAYS,
        error_messages={
            "min_value": _("The number of working days cannot be negative."),
            "max_value": _("The number of working days is at most %(limit_value)s."),
        },
    )
    region = forms.CharField(
        label=_("Region"),
        max_length=12,
        required=False,
        help_text=_("Empty: the national calendar only."),
        widget=forms.TextInput(attrs={"list": "region-codes", "inputmode": "numeric"}),
    )
