"""The emails of mentoring that staff may edit (notifications/catalog.py), each with its
placeholders and a sample context for previews. The placeholders and samples mirror the contexts
built in mentoring/emails.py: a change there belongs here too (mentoring/tests/test_email_privacy.py
fails until it is). Imported by MentoringConfig.ready().
"""

from datetime import date

from django.urls import reverse

from notifications.catalog import register
from notifications.emails import absolute_url

PROGRAM = {
    "program.mentor_label": "the program's name for a mentor (e.g. Mentor)",
    "program.mentee_label": "the program's name for a mentee (e.g. Mentee)",
}


def _contact(who: str, whose: str) -> dict[str, str]:
    # mentoring/emails.py::_contact leaves email, phone and LinkedIn out where the member shows
    # them to mentoring partners only and the email goes to someone who is not one.
    hidden = "show it to mentoring partners only and this member is not one"
    return {
        f"{who}.name": f"{whose} full name",
        f"{who}.email": f"{whose} contact email (empty if they {hidden})",
        f"{who}.phone": f"{whose} phone number (empty if they have none, or {hidden})",
        f"{who}.linkedin": f"{whose} LinkedIn address (empty if they have none, or {hidden})",
        f"{who}.profile_url": f"the address of {whose} profile",
    }


def _url(name: str, *args) -> str:
    return absolute_url(reverse(name, args=args))


# --- Sample data: plain values, so a preview needs no database rows --------------------------


def _program():
    return {"mentor_label": "Mentor", "mentee_label": "Mentee"}


def _maria():
    return {
        "name": "Maria Santos",
        "email": "maria@example.com",
        "phone": "",
        "linkedin": "https://www.linkedin.com/in/maria-santos",
        "profile_url": _url("members:profile", 1),
    }


def _david():
    return {
        "name": "David Okafor",
        "email": "david@example.com",
        "phone": "+1 555 123 4567",
        "linkedin": "",
        "profile_url": _url("members:profile", 2),
    }


REQUEST = {
    "message": "I have admired your work on sourcing for years. Would you mentor me?",
    "goals": "Lead our value analysis committee and negotiate with confidence.",
    "decline_note": "I am travelling most of this spring; please ask me again in the summer.",
}


def _request(*fields):
    """The request's fields an email offers, and no others: a sample holds its placeholders."""
    return {field: REQUEST[field] for field in fields}


register(
    "request_received",
    title="Request received",
    description="To a member someone asks to be their mentor or mentee, with links to accept "
    "or decline.",
    placeholders={
        "recipient_name": "the full name of the member asked",
        **_contact("requester", "the requester's"),
        "as_label": "the role asked for, in lower case (e.g. mentor)",
        "request.message": "the requester's message (may be empty)",
        "request.goals": "what the requester hopes to work on (may be empty)",
        "accept_url": "the link to accept the request",
        "decline_url": "the link to decline the request",
        **PROGRAM,
    },
    sample=lambda: {
        "program": _program(),
        "request": _request("message", "goals"),
        "requester": _maria(),
        "recipient_name": "David Okafor",
        "as_label": "mentor",
        "accept_url": _url("mentoring:accept", 1),
        "decline_url": _url("mentoring:decline", 1),
    },
)

register(
    "request_proposed",
    title="Request proposed by the program",
    description="To a mentee when a published matching round proposes a mentor for them: the "
    "request goes to the mentor as usual, and the mentee may withdraw it.",
    placeholders={
        "mentee_name": "the full name of the mentee this email goes to",
        **_contact("mentor", "the proposed mentor's"),
        "mentor_label": "the program's name for a mentor, in lower case (e.g. mentor)",
        "request.message": "why the program proposes them (the round's name and the match)",
        "relationships_url": "the link to My Mentoring Relationships",
        "withdraw_url": "the link to withdraw the request",
        **PROGRAM,
    },
    sample=lambda: {
        "program": _program(),
        "request": {
            "message": 'Proposed by the program\'s matching round "Spring 2027" (match 87 %: '
            "shares 2 of your 3 areas of professional experience)"
        },
        "mentee_name": "Maria Santos",
        "mentor": _david(),
        "mentor_label": "mentor",
        "relationships_url": _url("mentoring:relationships"),
        "withdraw_url": _url("mentoring:withdraw_request", 1),
    },
)

register(
    "request_declined",
    title="Request declined",
    description="To a requester whose request was declined, with the reason in kind words and "
    "a link to search again.",
    placeholders={
        "requester_name": "the requester's full name",
        "recipient_name": "the full name of the member who declined",
        "kind_reason": "the reason, in kind words (e.g. “does not have the time …”)",
        "request.decline_note": "the note the member wrote when declining (may be empty)",
        "find_url": "the link to search for another mentor or mentee",
        "find_label": "the role searched for (e.g. Mentor)",
        **PROGRAM,
    },
    sample=lambda: {
        "program": _program(),
        "request": _request("decline_note"),
        "requester_name": "Maria Santos",
        "recipient_name": "David Okafor",
        "kind_reason": "does not have the time to give your request the attention it deserves "
        "at the moment",
        "find_url": _url("mentoring:find_mentor"),
        "find_label": "Mentor",
    },
)

register(
    "request_withdrawn",
    title="Request withdrawn",
    description="To the member who was asked, when the requester withdraws the request.",
    placeholders={
        "requester_name": "the requester's full name",
        "recipient_name": "the full name of the member who was asked",
        "request.message": "the requester's message (may be empty)",
    },
    sample=lambda: {
        "request": _request("message"),
        "requester_name": "Maria Santos",
        "recipient_name": "David Okafor",
    },
)

register(
    "relationship_started",
    title="Relationship started",
    description="To both members when a request is accepted, with each other's contact "
    "details. Replying reaches the partner.",
    placeholders={
        "member_name": "the full name of the member this email goes to",
        **_contact("partner", "the partner's"),
        "partner_label": "the partner's role, in lower case (e.g. mentee)",
        "rhythm": "the program's suggested rhythm (e.g. a monthly call for 6 months)",
        "relationship_url": "the link to the relationship page",
        **PROGRAM,
    },
    sample=lambda: {
        "program": _program(),
        "member_name": "David Okafor",
        "partner": _maria(),
        "partner_label": "mentee",
        "rhythm": "a monthly call for 6 months",
        "relationship_url": _url("mentoring:relationship", 1),
    },
)

register(
    "relationship_completed",
    title="Relationship completed",
    description="To the partner of the member who marked the relationship completed.",
    placeholders={
        "partner_name": "the full name of the member this email goes to",
        "by_name": "the full name of the member who marked it completed",
        "outcome": "the outcome they chose (e.g. Goals met)",
        "relationship.note_to_partner": "their note to the partner (may be empty)",
        "find_mentor_url": "the link to find a mentor",
        "find_mentee_url": "the link to find a mentee",
        **PROGRAM,
    },
    sample=lambda: {
        "program": _program(),
        "relationship": {"note_to_partner": "Thank you for six wonderful months!"},
        "partner_name": "David Okafor",
        "by_name": "Maria Santos",
        "outcome": "Goals met",
        "find_mentor_url": _url("mentoring:find_mentor"),
        "find_mentee_url": _url("mentoring:find_mentee"),
    },
)

register(
    "request_reminder",
    title="Request reminder",
    description="A reminder to the member asked, when a request has waited a week for an "
    "answer. Follows the member's reminder preferences.",
    placeholders={
        "recipient_name": "the full name of the member asked",
        **_contact("requester", "the requester's"),
        "as_label": "the role asked for, in lower case (e.g. mentor)",
        "days": "how many days ago the request was sent",
        "request.message": "the requester's message (may be empty)",
        "request.goals": "what the requester hopes to work on (may be empty)",
        "accept_url": "the link to accept the request",
        "decline_url": "the link to decline the request",
    },
    sample=lambda: {
        "request": _request("message", "goals"),
        "requester": _maria(),
        "recipient_name": "David Okafor",
        "as_label": "mentor",
        "days": 7,
        "accept_url": _url("mentoring:accept", 1),
        "decline_url": _url("mentoring:decline", 1),
    },
)

register(
    "requester_nudge",
    title="Nudge to the requester",
    description="To a requester whose request has had no answer for two weeks: reach out "
    "directly, or withdraw and ask someone else. Follows the member's reminder preferences.",
    placeholders={
        "requester_name": "the requester's full name",
        **_contact("recipient", "the asked member's"),
        "show_contact": "true when the asked member lets the requester see their contact details",
        "days": "how many days ago the request was sent",
        "expire_days": "after how many days an unanswered request expires",
        "request.message": "the requester's message (may be empty)",
        "withdraw_url": "the link to withdraw the request",
        "find_url": "the link to search for someone else",
    },
    sample=lambda: {
        "request": _request("message"),
        "requester_name": "Maria Santos",
        "recipient": _david(),
        "show_contact": True,
        "days": 14,
        "expire_days": 30,
        "withdraw_url": _url("mentoring:withdraw_request", 1),
        "find_url": _url("mentoring:find_mentor"),
    },
)

register(
    "request_expired",
    title="Request expired",
    description="To both members when a request had no answer in time and expired; "
    "{% if to_requester %} tells the requester's version from the other member's.",
    placeholders={
        "to_requester": "true in the email to the requester, false in the one to the other member",
        "requester_name": "the requester's full name",
        "recipient_name": "the full name of the member who was asked",
        "days": "after how many days requests expire",
        "request.message": "the requester's message (may be empty)",
        "find_url": "the link to search again",
        "find_label": "the role searched for (e.g. Mentor)",
    },
    sample=lambda: {
        "request": _request("message"),
        "requester_name": "Maria Santos",
        "recipient_name": "David Okafor",
        "days": 30,
        "find_url": _url("mentoring:find_mentor"),
        "find_label": "Mentor",
        "to_requester": True,
    },
)

register(
    "participation_resumed",
    title="Participation resumed",
    description="To a member whose pause has ended: they take part again and can be found.",
    placeholders={
        "member_name": "the member's full name",
        "label": "the role they take part in (e.g. Mentor)",
        "status_url": "the link to change their participation status",
    },
    sample=lambda: {
        "member_name": "David Okafor",
        "label": "Mentor",
        "status_url": _url("mentoring:participation", "mentor"),
    },
)

register(
    "check_in_reminder",
    title="Check-in reminder",
    description="A reminder to a member whose relationship has had no check-in for longer "
    "than its rhythm. Follows the member's reminder preferences.",
    placeholders={
        "member_name": "the full name of the member this email goes to",
        **_contact("partner", "the partner's"),
        "rhythm": "the rhythm they agreed, in lower case (e.g. every two weeks)",
        "last_contact": 'the date of the last check-in (use |date:"F j, Y" to write it out)',
        "relationship_url": "the link to the relationship page",
    },
    sample=lambda: {
        "member_name": "David Okafor",
        "partner": _maria(),
        "rhythm": "every two weeks",
        "last_contact": date(2025, 3, 14),
        "relationship_url": _url("mentoring:relationship", 1),
    },
)

register(
    "planned_end",
    title="Planned end reached",
    description="A reminder to both members when the months they planned have passed: "
    "complete or extend. Follows the member's reminder preferences.",
    placeholders={
        "member_name": "the full name of the member this email goes to",
        **_contact("partner", "the partner's"),
        "months": "how many months they planned",
        "relationship_url": "the link to the relationship page (to extend it)",
        "complete_url": "the link to mark the relationship completed",
    },
    sample=lambda: {
        "member_name": "David Okafor",
        "partner": _maria(),
        "months": 6,
        "relationship_url": _url("mentoring:relationship", 1),
        "complete_url": _url("mentoring:complete", 1),
    },
)

register(
    "staff_action",
    title="Program staff acted for a member",
    description="To a member when program staff accept or decline a request for them, end their "
    "relationship or mark them Temporarily Not Participating. Always sent.",
    placeholders={
        "member_name": "the full name of the member this email goes to",
        "what": "what staff did, e.g. 'accepted the request from Maria Santos on your behalf'",
        "reason": "the reason staff gave",
    },
    sample=lambda: {
        "member_name": "David Okafor",
        "what": "accepted the request from Maria Santos on your behalf",
        "reason": "David asked us by phone while travelling.",
    },
)
