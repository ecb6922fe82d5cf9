from django import forms

from cohorts.models import MatchingRound
from mentormatch.converters import MAX_ID


class OpenRoundForm(forms.Form):
    name = forms.CharField(label="Name of the round", max_length=120, help_text="E.g. Spring 2027")


class ParametersForm(forms.ModelForm):
    class Meta:
        model = MatchingRound
        fields = [
            "name",
            "opt_in_only",
            "must_match",
            "other_organization",
            "not_previous_pair",
            "mentor_ahead",
            "shortlist_bonus",
            "places_per_mentor",
        ]


class PairForm(forms.Form):
    """The pair a Fix or Forbid button names: two member ids (checked against the pool by the
    service)."""

    mentee = forms.IntegerField(min_value=1, max_value=MAX_ID)
    mentor = forms.IntegerField(min_value=1, max_value=MAX_ID)


class PickPairForm(forms.Form):
    """A pair the result did not propose, named by staff: each member's full name or email (the
    view finds them in the round's pool)."""

    mentee_name = forms.CharField(label="Mentee (name or email)", max_length=254)
    mentor_name = forms.CharField(label="Mentor (name or email)", max_length=254)
