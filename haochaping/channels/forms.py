from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from haochaping.channels.content import LEVEL_LABELS, LEVELS_BEST_FIRST
from haochaping.ratings.enums import Stage
from haochaping.ratings.models import ReasonOption
from haochaping.ratings.selectors import content_version_current


def _option_choices() -> list[tuple[str, str]]:
    version = content_version_current()
    return [
        (o.code, f"{o.code} {o.label}")
        for o in ReasonOption.objects.filter(version=version).order_by("-code")
    ]


class DeviceForm(forms.Form):
    window: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label=_("Window"))
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args, windows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window"].queryset = windows


class CaseLinkForm(forms.Form):
    project_no = forms.CharField(label=_("Case number (projectNo)"), max_length=64)
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("Default")), *Stage.choices], required=False
    )
    language = forms.ChoiceField(
        label=_("SMS language"), choices=[("zh-hans", "中文"), ("bo", "བོད་ཡིག")], required=False
    )


class StaffRatingForm(forms.Form):
    """The citizen's own answer, keyed in by an operator (phone) or from a paper form."""

    project_no = forms.CharField(label=_("Case number (projectNo)"), max_length=64)
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("Default")), *Stage.choices], required=False
    )
    level = forms.ChoiceField(
        label=_("Satisfaction (the citizen's own answer)"),
        choices=[(lv.value, LEVEL_LABELS[lv]) for lv in LEVELS_BEST_FIRST],
        widget=forms.RadioSelect,
    )
    options = forms.MultipleChoiceField(
        label=_("Reasons"), required=False, widget=forms.CheckboxSelectMultiple
    )
    text = forms.CharField(
        label=_("The citizen's words"),
        required=False,
        max_length=150,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label=_("Operator note (not part of the rating)"), required=False, max_length=300
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["options"].choices = _option_choices()


class PaperRatingForm(StaffRatingForm):
    paper_ref = forms.CharField(label=_("Paper form reference number"), max_length=40)
    assessed_on = forms.DateField(
        label=_("Date written on the form"), widget=forms.DateInput(attrs={"type": "date"})
    )
