"""The form staff edit an email with; the rules of what an edited email may contain live in
notifications/catalog.py."""

from django import forms
from django.core.exceptions import ValidationError

from notifications import catalog
from notifications.models import EmailTemplate

SUBJECT_MAX = EmailTemplate._meta.get_field("subject").max_length
BODY_MAX = EmailTemplate._meta.get_field("body").max_length


class EmailTemplateForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=SUBJECT_MAX)
    body = forms.CharField(
        label="Message (plain text)",
        max_length=BODY_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "true"}),
        help_text="A blank line starts a new paragraph; links become clickable in the HTML "
        "version.",
    )

    def __init__(self, name, *args, **kwargs):
        self.name = name
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if "subject" in cleaned and "body" in cleaned:
            try:
                catalog.check_edited(self.name, cleaned["subject"], cleaned["body"])
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned
