from django.contrib import admin

from mentormatch.converters import AdminIdsInRange
from notifications.models import OutgoingEmail, Preferences


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """What the site has sent, is still trying to send, or gave up (filter by status: a failed
    email says why; staff resend it from /staff/sent-emails/, where the resend is recorded);
    read-only. Account links are stored as markers ("[account link: password reset #42]"), never
    as links (notifications/links.py), and a delivered email's text is deleted after the
    program's retention period."""

    list_display = [
        "subject",
        "recipients",
        "status",
        "attempts",
        "reason",
        "created_at",
        "sent_at",
        "text_deleted_at",
    ]
    list_filter = ["status"]
    search_fields = ["subject", "to"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]

    @admin.display(description="To")
    def recipients(self, email):
        return ", ".join(email.to)

    @admin.display(description="Why it failed")
    def reason(self, email):
        return email.last_error if email.status == OutgoingEmail.Status.FAILED else ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Preferences)
class PreferencesAdmin(AdminIdsInRange, admin.ModelAdmin):
    list_display = ["user", "reminders", "frequency", "digest_sent_at"]
    list_filter = ["reminders", "frequency"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["digest_sent_at"]
