"""Reads for the association (`reports:read`): members, criteria, enrollments, requests,
relationships and the four reports."""

from ninja import Router

router = Router(tags=["read"])
