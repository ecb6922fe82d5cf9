from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from members.models import Profile, User
from mentormatch.converters import AdminIdsInRange


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    exclude = ["photo", "photo_thumb"]


class MemberCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class MemberChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = MemberCreationForm
    form = MemberChangeForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "profile__first_name", "profile__last_name"]
    list_select_related = ["profile"]
    inlines = [ProfileInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    @admin.display(description="Name")
    def full_name(self, user):
        return user.get_full_name()


@admin.register(Profile)
class ProfileAdmin(AdminIdsInRange, admin.ModelAdmin):
    list_display = ["full_name", "job_title", "organization", "country", "updated_at"]
    search_fields = ["first_name", "last_name", "organization", "user__email"]
    list_filter = ["country", "contact_visibility"]
    raw_id_fields = ["user"]
