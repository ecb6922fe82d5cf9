"""The filters above a report: a GET form, so a filtered report is a link staff can share."""

from datetime import date

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.http import urlencode

from members.widgets import QuickSelect
from mentoring.models import CriterionOption, Role

# Far enough either way for any real enrollment, and a day short of what datetime can add to.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class _ListedChoices(ModelChoiceIterator):
    """The options as (pk, label) read in one query of plain values: Django's reads sixty option
    and category models through a server-side cursor (three round trips), most of the filter
    form's cost. The label is the option's str(), "Category: Label" (tested equal)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, category, label in self.queryset.values_list("pk", "category__name", "label"):
            yield (pk, f"{category}: {label}")


class _OptionField(forms.ModelChoiceField):
    iterator = _ListedChoices


class ReportFilterForm(forms.Form):
    date_from = _date_field("From")
    date_to = _date_field("To")
    status = forms.ChoiceField(required=False, widget=QuickSelect)
    role = forms.ChoiceField(required=False, widget=QuickSelect)
    option = _OptionField(
        label="Criterion",
        queryset=CriterionOption.objects.select_related("category"),
        required=False,
        empty_label="Any criterion",
        widget=QuickSelect,
    )

    def __init__(self, data, *, report, program):
        super().__init__(data)
        self.fields["date_from"].label = f"{report.date_label} from"
        self.fields["date_to"].label = f"{report.date_label} to"
        self.fields["status"].choices = report.status_choices
        if report.by_role:
            self.fields["role"].choices = [
                ("", "Both roles"),
                *((role, program.role_label(role)) for role in Role.values),
            ]
        else:
            del self.fields["role"]
        if not report.by_criterion:
            del self.fields["option"]

    def _clean_day(self, name):
        day = self.cleaned_data.get(name)
        if day and not (EARLIEST <= day <= LATEST):
            raise forms.ValidationError(f"Enter a date between {EARLIEST.year} and {LATEST.year}.")
        return day

    def clean_date_from(self):
        return self._clean_day("date_from")

    def clean_date_to(self):
        return self._clean_day("date_to")

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError("The “from” date must not be after the “to” date.")
        return cleaned

    def query_string(self) -> str:
        """The filters as given, for the CSV link and the page links; the page number and
        anything else in the address are left out."""
        return urlencode({name: self.data[name] for name in self.fields if self.data.get(name)})
