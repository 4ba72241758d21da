"""/users: who may own and be assigned records."""

from ninja import Router, Schema

from shangji.users.models import User

from .errors import AUTH_ERRORS
from .schemas import read_from

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
