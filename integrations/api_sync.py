"""Member sync from the association's member system (`members:write`): the rules are program/sync.py's.

- PUT /members/by-external-id/{external_id}: one member. 201 created, 200 otherwise; an invalid
  member is a 422 problem with a message per field, and nothing is written.
- POST /members/sync: up to 1,000 members. Each is checked on its own; an invalid one is reported
  in its result ("invalid", with its messages) and skipped, the others are written, as a bad row of
  a CSV import is. A body of the wrong shape (not a list, wrong types, unknown fields or status, no
  members, more than 1,000) is refused whole (422, 413) and nothing is written.
- POST /members/by-external-id/{external_id}/deactivate: the membership lapsed (the same as a PUT
  with "status": "lapsed").
"""

from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict, StrictBool, StrictStr

from integrations.api import problem, scope
from integrations.models import Scope
from members.models import validate_external_id
from program import sync
from program.access import is_program_staff

router = Router(tags=["member sync"])

EXTERNAL_ID = "The member's ID in the association's member system: letters, digits, . _ - : @ +"


class MemberFields(Schema):
    model_config = ConfigDict(extra="forbid")

    email: StrictStr = Field("", description="The member's sign-in address.")
    first_name: StrictStr = ""
    last_name: StrictStr = ""
    job_title: StrictStr = ""
    organization: StrictStr = ""
    city: StrictStr = ""
    region: StrictStr = ""
    country: StrictStr = Field("", description="An ISO code (US) or an English name.")
    status: Literal["active", "lapsed"] | None = Field(
        None,
        description="lapsed: deactivate the member; active: let a member deactivated by the sync "
        "sign in again; absent: leave the account as it is.",
    )


class MemberIn(MemberFields):
    external_id: StrictStr = Field("", description=EXTERNAL_ID)


class PutIn(MemberFields):
    external_id: StrictStr | None = Field(None, description="If given, the same as in the path.")
    invite: StrictBool = Field(False, description="Email a new member a link to set a password.")


class SyncIn(Schema):
    model_config = ConfigDict(extra="forbid")

    members: list[MemberIn]
    invite: StrictBool = Field(False, description="Email new members a link to set a password.")


class MemberOut(Schema):
    id: int
    external_id: str
    email: str
    first_name: str
    last_name: str
    active: bool


class FieldError(Schema):
    location: str
    message: str


class ResultOut(Schema):
    index: int
    external_id: str
    outcome: Literal["created", "updated", "unchanged", "deactivated", "reactivated", "invalid"]
    member: MemberOut | None = None
    changed: list[str] = []
    errors: list[FieldError] = []


class SyncOut(Schema):
    counts: dict[str, int]
    results: list[ResultOut]


def _staff_token(request):
    scope(request, Scope.MEMBERS_WRITE)
    if not is_program_staff(request.user):
        return problem(request, 403, "This token's account is no longer program staff.")
    return None


def _member_out(user) -> dict | None:
    if user is None:
        return None
    profile = user.profile
    return {
        "id": user.pk,
        "external_id": profile.external_id or "",
        "email": user.email,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "active": user.is_active,
    }


def _result_out(result: sync.Result, prefix: str) -> dict:
    return {
        "index": result.index,
        "external_id": result.external_id,
        "outcome": result.outcome,
        "member": _member_out(result.member),
        "changed": result.changed,
        "errors": [
            {"location": prefix + name if name else prefix.rstrip("."), "message": message}
            for name, message in result.errors
        ],
    }


def _bad_path_id(request, external_id: str):
    try:
        validate_external_id(external_id)
    except DjangoValidationError as error:
        message = error.messages[0]
    else:
        if len(external_id) <= sync.importing.MEMBER_ID_MAX_LENGTH:
            return None
        message = f"Member ID is longer than {sync.importing.MEMBER_ID_MAX_LENGTH} characters."
    return problem(
        request,
        422,
        "The member ID in the path is not valid.",
        errors=[{"location": "path.external_id", "message": message}],
    )


@router.put(
    "/members/by-external-id/{external_id:external_id}",
    response={200: ResultOut, 201: ResultOut},
    summary="Create or update one member by their member ID",
)
def put_member(request, external_id: str, payload: PutIn):
    if refused := _staff_token(request) or _bad_path_id(request, external_id):
        return refused
    if payload.external_id is not None and payload.external_id != external_id:
        return problem(
            request,
            422,
            "The body's external_id differs from the path's.",
            errors=[{"location": "body.payload.external_id", "message": "Not the path's."}],
        )
    item = payload.model_dump(exclude={"invite"}) | {"external_id": external_id}
    [result] = sync.sync_members([item], staff=request.user, invite=payload.invite)
    body = _result_out(result, "body.payload.")
    if result.outcome == "invalid":
        return problem(request, 422, "This member was not saved.", errors=body["errors"])
    return Status(201 if result.outcome == "created" else 200, body)


@router.post(
    "/members/sync",
    response={200: SyncOut},
    summary="Create or update up to 1,000 members",
)
def sync_members(request, payload: SyncIn):
    if refused := _staff_token(request):
        return refused
    if not payload.members:
        return problem(
            request,
            422,
            "Send at least one member.",
            errors=[{"location": "body.payload.members", "message": "The list is empty."}],
        )
    if len(payload.members) > sync.MAX_MEMBERS:
        return problem(
            request,
            413,
            f"At most {sync.MAX_MEMBERS:,} members per call; this call has "
            f"{len(payload.members):,}. Send them in several calls. Nothing was saved.",
        )
    items = [member.model_dump() for member in payload.members]
    results = sync.sync_members(items, staff=request.user, invite=payload.invite)
    counts = dict.fromkeys(ResultOut.model_fields["outcome"].annotation.__args__, 0)
    for result in results:
        counts[result.outcome] += 1
    return {
        "counts": counts,
        "results": [
            _result_out(result, f"body.payload.members.{result.index}.") for result in results
        ],
    }


@router.post(
    "/members/by-external-id/{external_id:external_id}/deactivate",
    response={200: ResultOut},
    summary="Deactivate a member whose membership lapsed",
)
def deactivate_member(request, external_id: str):
    if refused := _staff_token(request) or _bad_path_id(request, external_id):
        return refused
    member = sync.find_member(external_id)
    if member is None:
        return problem(request, 404, f"No member has the member ID {external_id}.")
    try:
        departure = sync.deactivate(member, staff=request.user)
    except sync.SyncError as error:
        return problem(request, 409, str(error), kind="refused")
    member.refresh_from_db(fields=["is_active"])
    result = sync.Result(
        0, external_id, "deactivated" if departure.deactivated else "unchanged", member
    )
    return _result_out(result, "")
