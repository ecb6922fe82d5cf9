"""The emails of requests and relationships, one small function each. relationships.py calls them
inside its transaction: the email is stored with the change and leaves after the commit."""

from django.urls import reverse
from django.utils import timezone

from mentoring.models import DeclineReason, ProgramSettings, Role
from notifications.emails import absolute_url, send_reminder, send_templated

# What the requester reads when declined: kind wording for each reason.
KIND_DECLINE_WORDING = {
    DeclineReason.NO_TIME: "does not have the time to give your request the attention it deserves "
    "at the moment",
    DeclineReason.NOT_A_FIT: "feels that their experience is not the best fit for what you hope "
    "to work on",
    DeclineReason.FULL: "already has as many mentoring partners as they can take",
    DeclineReason.OTHER: "is not able to take your request this time",
}


def _find_url(role):
    name = "mentoring:find_mentor" if role == Role.MENTOR else "mentoring:find_mentee"
    return absolute_url(reverse(name))


def _contact(user, *, viewer):
    """`user`'s details for an email to `viewer`: name and profile link always; email, phone and
    LinkedIn only where `viewer` may see them (Profile.contact_visible_to). A detail left out of
    the context cannot leak through a staff-edited template that prints it."""
    profile = user.profile
    contact = {
        "name": profile.full_name,
        "profile_url": absolute_url(profile.get_absolute_url()),
    }
    if profile.contact_visible_to(viewer):
        contact["email"] = profile.public_contact_email
        contact["phone"] = profile.phone
        contact["linkedin"] = profile.linkedin_url
    return contact


def request_received(request):
    program = ProgramSettings.current()
    send_templated(
        "request_received",
        request.recipient,
        {
            "program": program,
            "request": request,
            "requester": _contact(request.requester, viewer=request.recipient),
            "recipient_name": request.recipient.profile.full_name,
            "as_label": program.role_label(request.recipient_role).lower(),
            "accept_url": absolute_url(reverse("mentoring:accept", args=[request.pk])),
            "decline_url": absolute_url(reverse("mentoring:decline", args=[request.pk])),
        },
    )


def request_proposed(request):
    """To the mentee of a request the program proposed (a matching round): who, why, that the
    mentor will answer, and that they may withdraw it."""
    program = ProgramSettings.current()
    send_templated(
        "request_proposed",
        request.mentee,
        {
            "program": program,
            "request": request,
            "mentee_name": request.mentee.profile.full_name,
            "mentor": _contact(request.mentor, viewer=request.mentee),
            "mentor_label": program.mentor_label.lower(),
            "relationships_url": absolute_url(reverse("mentoring:relationships")),
            "withdraw_url": absolute_url(reverse("mentoring:withdraw_request", args=[request.pk])),
        },
    )


def request_declined(request):
    program = ProgramSettings.current()
    wanted_role = request.recipient_role
    send_templated(
        "request_declined",
        request.requester,
        {
            "program": program,
            "request": request,
            "requester_name": request.requester.profile.full_name,
            "recipient_name": request.recipient.profile.full_name,
            "kind_reason": KIND_DECLINE_WORDING.get(request.decline_reason, ""),
            "find_url": _find_url(wanted_role),
            "find_label": program.role_label(wanted_role),
        },
    )


def request_withdrawn(request):
    send_templated(
        "request_withdrawn",
        request.recipient,
        {
            "request": request,
            "requester_name": request.requester.profile.full_name,
            "recipient_name": request.recipient.profile.full_name,
        },
    )


def relationship_started(relationship):
    """Both members: each other's contact details and the program's suggested rhythm."""
    program = ProgramSettings.current()
    url = absolute_url(reverse("mentoring:relationship", args=[relationship.pk]))
    pairs = [
        (relationship.mentor, relationship.mentee, program.mentee_label),
        (relationship.mentee, relationship.mentor, program.mentor_label),
    ]
    for member, partner, partner_label in pairs:
        contact = _contact(partner, viewer=member)
        send_templated(
            "relationship_started",
            member,
            {
                "program": program,
                "member_name": member.profile.full_name,
                "partner": contact,
                "partner_label": partner_label.lower(),
                "rhythm": program.suggested_rhythm_sentence,
                "relationship_url": url,
            },
            reply_to=contact.get("email", ""),
        )


def relationship_completed(relationship):
    """The partner of whoever marked it completed."""
    program = ProgramSettings.current()
    by = relationship.completed_by
    partner = relationship.partner_of(by)
    send_templated(
        "relationship_completed",
        partner,
        {
            "program": program,
            "relationship": relationship,
            "partner_name": partner.profile.full_name,
            "by_name": by.profile.full_name,
            "outcome": relationship.get_outcome_display(),
            "find_mentor_url": _find_url(Role.MENTOR),
            "find_mentee_url": _find_url(Role.MENTEE),
        },
    )


# --- Follow-up (mentoring/reminders.py decides when) ------------------------------------------


def request_reminder(request) -> str:
    """Reminder to the recipient of a request unanswered for a week."""
    program = ProgramSettings.current()
    return send_reminder(
        request.recipient,
        "request_reminder",
        {
            "request": request,
            "requester": _contact(request.requester, viewer=request.recipient),
            "recipient_name": request.recipient.profile.full_name,
            "as_label": program.role_label(request.recipient_role).lower(),
            "days": (timezone.now() - request.created_at).days,
            "accept_url": absolute_url(reverse("mentoring:accept", args=[request.pk])),
            "decline_url": absolute_url(reverse("mentoring:decline", args=[request.pk])),
        },
    )


def requester_nudge(request) -> str:
    """To the requester after two weeks: reach out directly (contact details where the recipient's
    visibility setting allows), or withdraw and ask someone else."""
    program = ProgramSettings.current()
    contact = _contact(request.recipient, viewer=request.requester)
    return send_reminder(
        request.requester,
        "requester_nudge",
        {
            "request": request,
            "requester_name": request.requester.profile.full_name,
            "recipient": contact,
            # For templates that say why the details are missing; set by the same rule.
            "show_contact": "email" in contact,
            "days": (timezone.now() - request.created_at).days,
            "expire_days": program.expire_after_days,
            "withdraw_url": absolute_url(reverse("mentoring:withdraw_request", args=[request.pk])),
            "find_url": _find_url(request.recipient_role),
        },
    )


def request_expired(request):
    """Both members: the request went unanswered and has expired. Always sent (a state change)."""
    program = ProgramSettings.current()
    common = {
        "request": request,
        "requester_name": request.requester.profile.full_name,
        "recipient_name": request.recipient.profile.full_name,
        "days": program.expire_after_days,
        "find_url": _find_url(request.recipient_role),
        "find_label": program.role_label(request.recipient_role),
    }
    send_templated("request_expired", request.requester, {**common, "to_requester": True})
    send_templated("request_expired", request.recipient, {**common, "to_requester": False})


def participation_resumed(enrollment):
    program = ProgramSettings.current()
    send_templated(
        "participation_resumed",
        enrollment.user,
        {
            "member_name": enrollment.user.profile.full_name,
            "label": program.role_label(enrollment.role),
            "status_url": absolute_url(reverse("mentoring:participation", args=[enrollment.role])),
        },
    )


def check_in_reminder(relationship, member, last_contact) -> str:
    partner = relationship.partner_of(member)
    return send_reminder(
        member,
        "check_in_reminder",
        {
            "member_name": member.profile.full_name,
            "partner": _contact(partner, viewer=member),
            "rhythm": relationship.get_rhythm_display().lower(),
            "last_contact": last_contact,
            "relationship_url": absolute_url(
                reverse("mentoring:relationship", args=[relationship.pk])
            ),
        },
    )


def planned_end_reminder(relationship, member) -> str:
    partner = relationship.partner_of(member)
    return send_reminder(
        member,
        "planned_end",
        {
            "member_name": member.profile.full_name,
            "partner": _contact(partner, viewer=member),
            "months": relationship.planned_months,
            "relationship_url": absolute_url(
                reverse("mentoring:relationship", args=[relationship.pk])
            ),
            "complete_url": absolute_url(reverse("mentoring:complete", args=[relationship.pk])),
        },
    )


def staff_acted(member, what: str, reason: str):
    """Program staff did something for or to a member: they are always told what and why."""
    send_templated(
        "staff_action",
        member,
        {"member_name": member.profile.full_name, "what": what, "reason": reason.strip()},
    )
