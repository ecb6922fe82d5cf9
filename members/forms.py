from django import forms

from members.models import Profile
from members.photos import process_photo
from members.text import clean_name
from members.widgets import QuickSelect


class NameField(forms.CharField):
    """A first or last name: bidi controls removed, refused when nothing visible is left."""

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values and not self.required:
            return value
        try:
            return clean_name(value)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="blank_name") from None


class SignupNamesForm(forms.Form):
    """Extra fields on allauth's sign-up form: a member starts with a name."""

    first_name = NameField(max_length=80, label="First name")
    last_name = NameField(max_length=80, label="Last name")

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def signup(self, request, user):
        from members.services import ensure_profile

        profile = ensure_profile(user)
        profile.first_name = self.cleaned_data["first_name"]
        profile.last_name = self.cleaned_data["last_name"]
        profile.save(update_fields=["first_name", "last_name"])


class ProfileForm(forms.ModelForm):
    photo_upload = forms.FileField(
        label="Photo",
        required=False,
        help_text="JPEG, PNG or WebP, up to 5 MB and 25 megapixels. We crop it to a square.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label="Remove my photo", required=False)

    class Meta:
        model = Profile
        fields = [
            "first_name",
            "last_name",
            "job_title",
            "organization",
            "city",
            "region",
            "country",
            "time_zone",
            "bio",
            "contact_email",
            "phone",
            "linkedin_url",
            "contact_visibility",
        ]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 6}),
            "contact_visibility": forms.RadioSelect,
            "country": QuickSelect,
            "time_zone": QuickSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            model_field = self.fields[name]
            self.fields[name] = NameField(
                max_length=model_field.max_length, label=model_field.label, required=True
            )
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.processed_photo = None

    def clean_photo_upload(self):
        upload = self.cleaned_data.get("photo_upload")
        if upload:
            self.processed_photo = process_photo(upload)
        return upload

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        allowed = set("0123456789+-()./ xext")
        if phone and (not set(phone.lower()) <= allowed or sum(c.isdigit() for c in phone) < 6):
            raise forms.ValidationError("Enter a phone number with at least six digits.")
        return phone

    def clean_linkedin_url(self):
        url = self.cleaned_data["linkedin_url"]
        if url:
            from urllib.parse import urlsplit

            host = (urlsplit(url).hostname or "").lower()
            if not (host == "linkedin.com" or host.endswith(".linkedin.com")):
                raise forms.ValidationError(
                    "Enter the address of your LinkedIn profile, e.g. https://www.linkedin.com/in/your-name"
                )
        return url

    def profile_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
