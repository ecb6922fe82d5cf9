"""Shared by the API's tests (Part B's): tokens made through the service, and calls with them.
Import the fixtures into a test module with `from integrations.tests.api_client import *`."""

import json

import pytest

from integrations.models import Scope
from integrations.services import create_token

__all__ = ["API", "call", "member_token", "reader_token", "staff_token", "writer_token"]

API = "/api/v1"


def call(client, method, path, token=None, *, body=None, raw=None, content_type=None, **extra):
    """A request to the API with a bearer token; `body` is sent as JSON, `raw` as it is."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    kwargs = {"content_type": content_type or "application/json"} if data is not None else {}
    if data is not None:
        kwargs["data"] = data
    return getattr(client, method.lower())(API + path, **kwargs, **headers, **extra)


@pytest.fixture
def staff_token(staff):
    return create_token(staff, name="AMS", scopes=[Scope.REPORTS_READ, Scope.MEMBERS_WRITE])[1]


@pytest.fixture
def reader_token(staff):
    return create_token(staff, name="Reports", scopes=[Scope.REPORTS_READ])[1]


@pytest.fixture
def writer_token(staff):
    return create_token(staff, name="Sync only", scopes=[Scope.MEMBERS_WRITE])[1]


@pytest.fixture
def member_token(mentee):
    return create_token(mentee, name="My script", scopes=[Scope.ME])[1]
