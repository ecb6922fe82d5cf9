from django.contrib import admin

from notifications.models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """What the site has sent or is still trying to send; read-only."""

    list_display = ["subject", "recipients", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject", "to"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]

    @admin.display(description="To")
    def recipients(self, email):
        return ", ".join(email.to)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
