from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from notifications.emails import user_from_unsubscribe_token
from notifications.forms import PreferencesForm
from notifications.models import Preferences


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, instance=Preferences.of(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email preferences are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


# One click from a mail client (RFC 8058) posts without a CSRF token; the signed link is the proof.
@csrf_exempt
def unsubscribe(request, token):
    # Whoever holds the link sees no address: a forwarded reminder must not reveal it.
    template = "notifications/unsubscribe.html"
    try:
        user = user_from_unsubscribe_token(token)
    except signing.SignatureExpired:
        return render(request, template, {"expired": True}, status=400)
    if user is None:
        return render(request, template, {"invalid": True}, status=400)
    if request.method == "POST":
        Preferences.objects.update_or_create(user=user, defaults={"reminders": False})
        return render(request, template, {"done": True})
    return render(request, template)
