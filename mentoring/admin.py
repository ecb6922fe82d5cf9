from django.contrib import admin, messages

from mentoring.models import (
    CriterionCategory,
    CriterionOption,
    Enrollment,
    EnrollmentChoice,
    MentoringRequest,
    ProgramSettings,
    Relationship,
    TimelineEntry,
)
from mentoring.services import enrollment as enrollment_service
from mentoring.services import errors


@admin.register(ProgramSettings)
class ProgramSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        (
            "Names used in pages and emails",
            {
                "fields": [
                    "program_name",
                    ("mentor_label", "mentor_label_plural"),
                    ("mentee_label", "mentee_label_plural"),
                ]
            },
        ),
        (
            "Recommendations",
            {
                "fields": [
                    "recommended_mentees",
                    "default_length_months",
                    "default_rhythm",
                    "max_open_requests",
                ]
            },
        ),
        (
            "Follow-up of unanswered requests",
            {
                "fields": ["reminder_after_days", "nudge_after_days", "expire_after_days"],
                "description": "The recipient is reminded, then the requester is given their "
                "contact details, then the request expires: each later than the one before.",
            },
        ),
        ("Privacy", {"fields": ["email_retention_days"]}),
    ]

    def has_add_permission(self, request):
        return not ProgramSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class CriterionOptionInline(admin.TabularInline):
    model = CriterionOption
    fields = ["label", "order", "is_active", "chosen_by"]
    readonly_fields = ["chosen_by"]
    extra = 1
    ordering = ["order", "label"]

    @admin.display(description="Chosen in enrollments")
    def chosen_by(self, option):
        return option.choices.count() if option.pk else 0


@admin.register(CriterionCategory)
class CriterionCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "applies_to",
        "kind",
        "multiple",
        "weight",
        "must_match",
        "is_active",
        "order",
    ]
    list_editable = ["order", "weight", "must_match", "is_active"]
    list_filter = ["applies_to", "kind", "is_active", "must_match"]
    inlines = [CriterionOptionInline]
    fields = [
        "name",
        "help_text",
        ("mentor_help_text", "mentee_help_text"),
        ("applies_to", "multiple"),
        "kind",
        ("weight", "must_match"),
        ("order", "is_active"),
    ]

    def has_delete_permission(self, request, obj=None):
        # Deleting would lose members' choices; deactivate instead.
        return False


class EnrollmentChoiceInline(admin.TabularInline):
    """The member's choices, as they made them (read-only: the enrollment services check them)."""

    model = EnrollmentChoice
    extra = 0
    can_delete = False
    readonly_fields = ["option"]

    def has_add_permission(self, request, obj=None):
        return False


class OptionFilter(admin.SimpleListFilter):
    title = "criterion option"
    parameter_name = "option"

    def lookups(self, request, model_admin):
        return [
            (option.pk, f"{option.category.name}: {option.label}")
            for option in CriterionOption.objects.select_related("category")
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(choices__option_id=self.value())
        return queryset


@admin.register(CriterionOption)
class CriterionOptionAdmin(admin.ModelAdmin):
    list_display = ["label", "category", "order", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["label", "category__name"]

    def has_delete_permission(self, request, obj=None):
        return False


class TimelineInline(admin.TabularInline):
    model = TimelineEntry
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "from_state", "to_state", "note"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


class EnrollmentTimelineInline(TimelineInline):
    fk_name = "enrollment"


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    """Read-only here: an enrollment changes through mentoring.services, which keep its rules
    (withdrawing closes the member's pending requests, each with its email) and its timeline.
    Members change their own on Mentor/Mentee Status; staff pause a mentor on the staff pages, and
    withdraw a member with the action below."""

    list_display = [
        "user",
        "member_name",
        "role",
        "status",
        "max_mentees",
        "return_date",
        "created_at",
    ]
    list_filter = ["role", "status", OptionFilter]
    search_fields = ["user__email", "user__profile__first_name", "user__profile__last_name"]
    list_select_related = ["user__profile"]
    raw_id_fields = ["user"]
    inlines = [EnrollmentChoiceInline, EnrollmentTimelineInline]
    actions = ["withdraw_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Enrollment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Name")
    def member_name(self, enrollment):
        return enrollment.user.profile.full_name

    @admin.action(
        description="Withdraw the selected members from their role (closes their pending requests)",
        permissions=["change"],
    )
    def withdraw_selected(self, request, queryset):
        withdrawn = 0
        for enrollment in queryset:
            try:
                enrollment_service.withdraw(enrollment, by=request.user)
                withdrawn += 1
            except errors.EnrollmentError as error:
                self.message_user(request, f"{enrollment}: {error}", messages.WARNING)
        if withdrawn:
            self.message_user(request, f"Withdrew {withdrawn} enrollment(s).", messages.SUCCESS)


@admin.register(MentoringRequest)
class MentoringRequestAdmin(admin.ModelAdmin):
    """Read-only here: changes go through mentoring.services (staff act from the staff pages)."""

    list_display = ["pk", "requester", "recipient", "status", "created_at", "answered_at"]
    list_filter = ["status"]
    search_fields = ["requester__email", "recipient__email"]
    inlines = [TimelineInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in MentoringRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Relationship)
class RelationshipAdmin(admin.ModelAdmin):
    list_display = ["pk", "mentor", "mentee", "status", "started_at", "completed_at", "outcome"]
    list_filter = ["status", "outcome"]
    search_fields = ["mentor__email", "mentee__email"]
    inlines = [TimelineInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Relationship._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
