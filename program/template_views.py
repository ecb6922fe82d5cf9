"""Staff edit the emails members receive: the subject and plain-text body of each, previewed with
sample data, saved only when they render, and reset to the default."""

from csp.decorators import csp_update
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications import catalog
from notifications.emails import render_edited
from program.access import staff_required
from program.template_forms import EmailTemplateForm


def _email_or_404(name):
    email = catalog.get(name)
    if email is None:
        raise Http404("No such email")
    return email


@staff_required
def email_list(request):
    edited = catalog.edited_templates()
    rows = [(email, edited.get(email.name)) for email in catalog.emails()]
    return render(request, "program/emails/list.html", {"rows": rows, "staff_section": "emails"})


@staff_required
# The preview shows the email's HTML in a sandboxed srcdoc frame, which inherits this page's
# policy: emails carry their styles inline, as mail clients need.
@csp_update({"style-src-attr": ["'unsafe-inline'"]})
def email_edit(request, name):
    email = _email_or_404(name)
    edited = catalog.edited(name)
    preview = None
    if request.method == "POST":
        form = EmailTemplateForm(name, request.POST)
        if form.is_valid():
            subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
            if request.POST.get("action") == "save":
                catalog.save_edited(name, subject=subject, body=body, by=request.user)
                messages.success(request, f"Saved: members now receive your “{email.title}”.")
                return redirect("program:email_edit", name=name)
            subject, text, html = render_edited(name, subject, body, email.sample())
            preview = {"subject": subject, "text": text, "html": html}
    else:
        if edited is not None:
            initial = {"subject": edited.subject, "body": edited.body}
        else:
            subject, body = catalog.default_source(name)
            initial = {"subject": subject, "body": body}
        form = EmailTemplateForm(name, initial=initial)
    placeholders = [
        (f"{{{{ {placeholder} }}}}", meaning)
        for placeholder, meaning in email.all_placeholders.items()
    ]
    return render(
        request,
        "program/emails/edit.html",
        {
            "email": email,
            "edited": edited,
            "form": form,
            "preview": preview,
            "placeholders": placeholders,
            "allowed_tags": [f"{{% {tag} %}}" for tag in catalog.ALLOWED_TAGS],
            "allowed_filters": [f"|{filter_name}" for filter_name in catalog.ALLOWED_FILTERS],
            "staff_section": "emails",
        },
    )


@staff_required
@require_POST
def email_reset(request, name):
    email = _email_or_404(name)
    if catalog.reset_edited(name):
        messages.success(request, f"“{email.title}” is back to the default text.")
    else:
        messages.info(request, f"“{email.title}” already uses the default text.")
    return redirect("program:email_edit", name=name)
