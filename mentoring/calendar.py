"""Planned check-ins as an iCalendar file (RFC 5545), for one relationship or a member's feed."""

from django.utils import timezone
from icalendar import Calendar, Event

from notifications.emails import absolute_url


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Mentor Match//Planned check-ins//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def _events(relationship, member):
    partner = relationship.partner_of(member)
    url = absolute_url(f"/relationships/{relationship.pk}/")
    host = url.split("/")[2]
    now = timezone.now()
    for number, when in enumerate(relationship.planned_meetings(), start=1):
        event = Event()
        event.add("uid", f"relationship-{relationship.pk}-checkin-{number}@{host}")
        event.add("dtstamp", now)
        # An all-day reminder: the pair choose the hour between themselves.
        event.add("dtstart", when.date())
        event.add("summary", f"Mentoring check-in with {partner.profile.full_name}")
        event.add(
            "description",
            f"{relationship.get_meeting_format_display()} check-in, "
            f"{relationship.get_rhythm_display().lower()}. Log it afterwards: {url}",
        )
        event.add("url", url)
        yield event


def relationship_calendar(relationship, member) -> bytes:
    calendar = _calendar("Mentoring check-ins")
    for event in _events(relationship, member):
        calendar.add_component(event)
    return calendar.to_ical()


def member_feed(relationships, member) -> bytes:
    calendar = _calendar("Mentor Match check-ins")
    for relationship in relationships:
        for event in _events(relationship, member):
            calendar.add_component(event)
    return calendar.to_ical()
