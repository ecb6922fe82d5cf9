"""The one error base class of mentoring's services: views turn it into a message or a 404."""


class MentoringError(Exception):
    """A rule refused the change; str(error) is the message for the member."""


class EnrollmentError(MentoringError):
    """Enrolling, changing or leaving a role was refused."""


class RequestError(MentoringError):
    """A request or relationship change was refused."""


class NotYours(RequestError):
    """The member may not act on this request or relationship (views answer 404)."""


class ShortlistError(MentoringError):
    """Adding to, moving on or removing from a mentee's shortlist was refused."""


class NotOnShortlist(ShortlistError):
    """The mentor is not on this member's shortlist (views answer 404)."""
