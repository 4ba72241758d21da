"""/me: the caller's own settings (the profile page) and their calendar feed address."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from shangji.users.choices import Language
from shangji.users.forms import ProfileForm
from shangji.users.services import calendar_token_reset, calendar_token_revoke

from .errors import AUTH_ERRORS, WRITE_ERRORS
from .schemas import PatchSchema

router = Router(tags=["me"])

PROFILE_FIELDS = ProfileForm.Meta.fields


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    first_name: str
    last_name: str
    email: str
    role: str
    team: int | None = Field(validation_alias="team_id", description="The team's id.")
    language: Language = Field(description='"" follows the browser.')
    time_zone: str
    calendar_feed: bool = Field(
        description="Whether the personal calendar feed is switched on (its address is shown "
        "only when it is made).",
    )

    @staticmethod
    def resolve_calendar_feed(user) -> bool:
        return bool(user.calendar_token)


class MePatch(PatchSchema):
    first_name: str = None  # type: ignore[assignment]
    last_name: str = None  # type: ignore[assignment]
    email: str = None  # type: ignore[assignment]
    language: Language = None  # type: ignore[assignment]
    time_zone: str = Field(None, description="An IANA zone, e.g. Asia/Shanghai.")


class CalendarFeedOut(Schema):
    url: str = Field(description="The secret iCalendar address; keep it private.")


@router.get("/me", response={200: MeOut, **AUTH_ERRORS}, summary="Read your own settings")
def get_me(request):
    return request.auth


@router.patch(
    "/me",
    response={200: MeOut, **WRITE_ERRORS},
    summary="Change your own settings",
    description="Names, e-mail, language and time zone, with the profile page's rules. "
    "Send only the fields to change.",
)
def update_me(request, payload: MePatch):
    user = request.auth
    data = {name: getattr(user, name) for name in PROFILE_FIELDS} | payload.changes()
    form = ProfileForm(data, instance=user)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.save()


@router.post(
    "/me/calendar-feed",
    response={201: CalendarFeedOut, **WRITE_ERRORS},
    summary="Make a new calendar feed address",
    description="Your tasks and meetings as an iCalendar feed. A new address replaces the old "
    "one at once.",
)
def reset_calendar_feed(request):
    token = calendar_token_reset(user=request.auth)
    path = reverse("users:calendar_feed", args=[token])
    return Status(201, {"url": request.build_absolute_uri(path)})


@router.delete(
    "/me/calendar-feed",
    response={204: None, **WRITE_ERRORS},
    summary="Switch the calendar feed off",
    description="Its address answers 404 from now on.",
)
def revoke_calendar_feed(request):
    calendar_token_revoke(user=request.auth)
    return Status(204, None)
