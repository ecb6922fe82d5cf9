"""Mentoring's write flows: every state change of an enrollment, a request or a relationship.

- enrollment.py: enroll, Mentor/Mentee Status (pause, resume, capacity), withdraw, staff pauses,
  the return from a pause on its date.
- requests.py: send, accept (capacity under a row lock), decline, withdraw, expire; requests
  closed when a member leaves a role.
- relationships.py: the agreed plan, check-ins, extending, completing; staff ending one.

Each function checks the current state and raises a MentoringError subclass with the message the
member sees, changes state in one transaction, records a timeline row (mentoring.timeline) and
stores its emails so that they leave after the commit. Views, the admin, the member import and
the staff pages change state only through these functions.
"""
