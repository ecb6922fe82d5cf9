from django import forms
from django.utils import timezone

from mentoring.models import (
    MAX_MENTEES,
    MIN_MENTEES,
    CriterionCategory,
    DeclineReason,
    MeetingFormat,
    Outcome,
    Rhythm,
    Role,
)


def optional_text(label: str, *, max_length: int, rows: int = 3) -> forms.CharField:
    """A free-text box a member may leave empty."""
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=max_length,
        required=False,
    )


class ChoiceListRadioSelect(forms.RadioSelect):
    """Radio buttons that hand the field every submitted value, so that a forged second choice in a
    single-choice category is reported instead of silently dropped."""

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)


class EnrollmentForm(forms.Form):
    """One field per active category for the role, a statement and (mentors) capacity."""

    statement = optional_text("Statement", max_length=2000, rows=5)

    def __init__(self, *args, role, program, enrollment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        self.categories = list(
            CriterionCategory.objects.active()
            .for_role(role)
            .prefetch_related("options")
            .order_by("order", "name")
        )
        chosen = (
            set(enrollment.choices.values_list("option_id", flat=True)) if enrollment else set()
        )
        for category in self.categories:
            options = [o for o in category.options.all() if o.is_active]
            options.sort(key=lambda o: (o.order, o.label))
            field = forms.TypedMultipleChoiceField(
                label=category.name,
                help_text=category.help_for(role),
                choices=[(o.pk, o.label) for o in options],
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple if category.multiple else ChoiceListRadioSelect,
                error_messages={
                    "invalid_choice": f"That is not one of the options for {category.name}. "
                    "Please choose again."
                },
            )
            field.initial = [o.pk for o in options if o.pk in chosen]
            field.category = category
            self.fields[self.field_name(category)] = field
        is_mentor = role == Role.MENTOR
        self.fields["statement"].label = (
            f"What I offer as a {program.mentor_label.lower()}"
            if is_mentor
            else "My goals for mentoring"
        )
        self.fields["statement"].help_text = (
            "A few sentences on your experience and how you like to mentor."
            if is_mentor
            else "What you hope to work on with a mentor."
        )
        if enrollment:
            self.fields["statement"].initial = enrollment.statement
        if is_mentor:
            self.fields["max_mentees"] = forms.IntegerField(
                label=f"How many {program.mentee_label_plural.lower()} I take at a time",
                min_value=MIN_MENTEES,
                max_value=MAX_MENTEES,
                initial=enrollment.max_mentees if enrollment else program.recommended_mentees,
                help_text=f"We recommend {program.recommended_mentees}. From {MIN_MENTEES} to "
                f"{MAX_MENTEES}.",
            )

    @staticmethod
    def field_name(category):
        return f"category_{category.pk}"

    def category_fields(self):
        return [self[self.field_name(category)] for category in self.categories]

    def clean(self):
        cleaned = super().clean()
        for category in self.categories:
            name = self.field_name(category)
            if not category.multiple and len(cleaned.get(name) or []) > 1:
                self.add_error(name, f"Choose only one option for {category.name}.")
        return cleaned

    def option_ids(self):
        ids = []
        for category in self.categories:
            ids.extend(self.cleaned_data.get(self.field_name(category)) or [])
        return ids


class ParticipationForm(forms.Form):
    """Mentor Status / Mentee Status."""

    paused = forms.BooleanField(label="Temporarily Not Participating", required=False)
    return_date = forms.DateField(
        label="Back on (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="On this date you become active again automatically.",
    )

    def __init__(self, *args, enrollment, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrollment = enrollment
        today = timezone.localdate()
        paused = enrollment.status == "paused" and not enrollment.is_participating(today)
        self.fields["paused"].initial = paused
        self.fields["return_date"].initial = enrollment.return_date if paused else None
        if enrollment.role == Role.MENTOR:
            self.fields["paused"].help_text = (
                f"You will not receive new requests and will not appear when "
                f"{program.mentee_label_plural.lower()} search. Tell your current "
                f"{program.mentee_label_plural.lower()} about any change in your availability."
            )
            self.fields["max_mentees"] = forms.IntegerField(
                label=f"How many {program.mentee_label_plural.lower()} I take at a time",
                min_value=MIN_MENTEES,
                max_value=MAX_MENTEES,
                initial=enrollment.max_mentees,
                help_text=f"We recommend {program.recommended_mentees}.",
            )
            self.fields["available_until"] = forms.DateField(
                label="Available until (optional)",
                required=False,
                initial=enrollment.available_until,
                widget=forms.DateInput(attrs={"type": "date"}),
                help_text="After this date you accept no new requests.",
            )
        else:
            self.fields["paused"].help_text = (
                f"You will not receive new requests and will not appear when "
                f"{program.mentor_label_plural.lower()} search."
            )


class RequestForm(forms.Form):
    message = optional_text("A personal message (optional)", max_length=2000, rows=5)
    goals = optional_text("What you hope to work on (optional)", max_length=2000)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label="Reason", choices=DeclineReason.choices, widget=forms.RadioSelect
    )
    note = optional_text("A note to the member (optional)", max_length=2000)


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(
        label="How did it end?", choices=Outcome.choices, widget=forms.RadioSelect
    )
    note_to_partner = optional_text("A note to your partner (optional)", max_length=2000)
    feedback_for_staff = optional_text(
        "Private feedback for program staff (optional)", max_length=4000
    )


class PlanForm(forms.Form):
    rhythm = forms.ChoiceField(label="Meeting rhythm", choices=Rhythm.choices)
    meeting_format = forms.ChoiceField(label="Format", choices=MeetingFormat.choices)
    planned_months = forms.IntegerField(label="Planned length (months)", min_value=1, max_value=36)
    goals = optional_text("Shared goals", max_length=4000)


class CheckInForm(forms.Form):
    met_on = forms.DateField(label="Date we met", widget=forms.DateInput(attrs={"type": "date"}))
    note = optional_text("Note (optional)", max_length=4000)
    shared = forms.TypedChoiceField(
        label="Who sees the note",
        choices=[("1", "My partner and I"), ("0", "Only me")],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )


class ExtendForm(forms.Form):
    months = forms.IntegerField(label="Extend by (months)", min_value=1, max_value=12, initial=3)
