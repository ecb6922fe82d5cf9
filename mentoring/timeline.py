"""The timeline: one row per state change of a request, relationship or enrollment, written by the
service function that makes the change, in its transaction."""

from mentoring import webhooks
from mentoring.models import TimelineEntry


def record(
    *,
    actor,
    to_state,
    from_state="",
    request=None,
    relationship=None,
    enrollment=None,
    note="",
    note_for=None,
) -> TimelineEntry:
    """`actor` None: the program itself (a rule that ran on schedule). `note_for`: the one member
    (besides staff) who may read the note."""
    entry = TimelineEntry.objects.create(
        request=request,
        relationship=relationship,
        enrollment=enrollment,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        note=note,
        note_for=note_for,
    )
    # The changes the association's systems hear of (mentoring/webhooks.py), in this transaction.
    webhooks.publish_for(entry)
    return entry
