"""/users: who may own and be assigned records; administrators change roles and access."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from shangji.users.choices import Role
from shangji.users.models import Team, User
from shangji.users.services import user_update_access

from .errors import AUTH_ERRORS, WRITE_ERRORS
from .schemas import PatchSchema, read_from

router = Router(tags=["users"])


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    team: int | None = read_from("team_id", description="The team's id.")
    is_active: bool


@router.get(
    "/users",
    response={200: list[UserOut], **AUTH_ERRORS},
    summary="List users",
    description="Everyone who can own records, by username; deactivated users included.",
)
def list_users(request):
    return User.objects.order_by("username")


class UserAccessPatch(PatchSchema):
    role: Role = None  # type: ignore[assignment]
    team: int | None = Field(None, description="A team's id; null takes the user off their team.")
    is_active: bool = Field(  # type: ignore[assignment]
        None, description="false: the user can no longer sign in."
    )


@router.patch(
    "/users/{user_id}",
    response={200: UserOut, **WRITE_ERRORS},
    summary="Change a user's role, team or access",
    description="Administrators only. Every change is written to the audit log with the old "
    "and new values.",
)
def update_user(request, user_id: int, payload: UserAccessPatch):
    user = get_object_or_404(User, pk=user_id)
    changes = payload.changes()
    if changes.get("team") is not None:
        changes["team"] = Team.objects.filter(pk=changes["team"]).first()
        if changes["team"] is None:
            raise ValidationError({"team": [_("There is no such team.")]})
    return user_update_access(user=user, actor=request.auth, **changes)
