from datetime import timedelta

from django import forms
from django.utils import timezone

from mentoring.forms import optional_text
from mentoring.models import DeclineReason

MAX_RANGE_DAYS = 366 * 5


class DateRangeForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def default_range(cls):
        today = timezone.localdate()
        return {"start": (today - timedelta(days=365)).replace(day=1), "end": today}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError("The start date must come before the end date.")
            if (end - start).days > MAX_RANGE_DAYS:
                raise forms.ValidationError("Choose a range of five years at most.")
        return cleaned


class StaffReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (recorded, and told to the member)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class StaffDeclineForm(StaffReasonForm):
    decline_reason = forms.ChoiceField(
        label="Reason the requester is given", choices=DeclineReason.choices
    )
    note = optional_text("Note to the requester (optional)", max_length=2000, rows=2)


class PauseMentorForm(StaffReasonForm):
    email = forms.EmailField(label="Mentor's email address")
    return_date = forms.DateField(
        label="Return date (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
