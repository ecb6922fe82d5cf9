from allauth.account.adapter import DefaultAccountAdapter

from members.services import ensure_profile


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Every account gets its profile the moment it is created.
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            ensure_profile(user)
        return user
