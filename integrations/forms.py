"""The forms that make an API token: a name, and for program staff the scopes."""

from django import forms

from integrations.models import STAFF_SCOPES


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What will use it, e.g. “Nightly sync” or “My calendar script”: it is listed by it.",
    )


class StaffTokenForm(TokenForm):
    scopes = forms.MultipleChoiceField(
        choices=[(scope.value, scope.label) for scope in STAFF_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one scope."},
    )
