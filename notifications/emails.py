"""Each email is a named trio of templates, `emails/<name>.subject.txt`, `.txt` and `.html`,
rendered here and handed to the site's email backend (which stores it and lets the background
worker send it, in the caller's transaction)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    """A link for an email: emails are read outside the site, so every link is absolute."""
    return f"{settings.SITE_URL}{path}"


def send_templated(name: str, to: str, context: dict, *, reply_to: str = "") -> None:
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{name}.txt", context),
        to=[to],
        reply_to=[reply_to] if reply_to else [],
    )
    message.attach_alternative(render_to_string(f"emails/{name}.html", context), "text/html")
    message.send()
