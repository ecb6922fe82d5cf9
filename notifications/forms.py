from django import forms

from notifications.models import Preferences


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ["reminders", "frequency"]
        widgets = {
            "frequency": forms.RadioSelect,
            "reminders": forms.CheckboxInput(attrs={"aria-describedby": "id_reminders_helptext"}),
        }
        help_texts = {
            "reminders": "Reminders about unanswered requests, check-ins and planned ends. Emails "
            "about a request or relationship changing (a new request, an answer, a completion) "
            "are always sent.",
        }
