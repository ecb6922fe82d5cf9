"""A member's own token (`me`): their profile, enrollments, search, requests and relationships."""

from ninja import Router

router = Router(tags=["me"])
