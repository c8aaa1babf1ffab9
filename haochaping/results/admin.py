from django import forms
from django.contrib import admin

from haochaping.results.models import TypicalCase
from haochaping.results.services import typical_case_problems, typical_case_save


class TypicalCaseForm(forms.ModelForm):
    class Meta:
        model = TypicalCase
        fields = [
            "kind",
            "unit",
            "period",
            "title",
            "body",
            "title_bo",
            "body_bo",
            "title_en",
            "body_en",
            "published",
        ]

    def clean(self):
        data = super().clean()
        problems = typical_case_problems(
            **{
                k: data.get(k) or ""
                for k in ("kind", "title", "body", "title_bo", "body_bo", "title_en", "body_en")
            }
        )
        for field, messages in problems.items():
            for message in messages:
                self.add_error(field, message)
        return data


@admin.register(TypicalCase)
class TypicalCaseAdmin(admin.ModelAdmin):
    """The bureau chooses and writes up typical cases (anonymised); saved through the service."""

    form = TypicalCaseForm
    list_display = ["title", "kind", "unit", "period", "published", "published_at"]
    list_filter = ["kind", "published"]
    search_fields = ["title", "body"]
    autocomplete_fields = ["unit"]

    def save_model(self, request, obj, form, change):
        original = TypicalCase.objects.get(pk=obj.pk) if change else None
        saved = typical_case_save(
            typical=original,
            kind=obj.kind,
            unit=obj.unit,
            title=obj.title,
            body=obj.body,
            period=obj.period,
            title_bo=obj.title_bo,
            body_bo=obj.body_bo,
            title_en=obj.title_en,
            body_en=obj.body_en,
            published=obj.published,
            acting_user=request.user,
        )
        obj.pk = saved.pk
