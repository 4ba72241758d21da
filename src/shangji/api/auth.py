"""Who is calling: a bearer token, or the browser's session (then CSRF is checked)."""

import zoneinfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from shangji.core.errors import PermissionDeniedError
from shangji.users.choices import ApiTokenScope
from shangji.users.models import User
from shangji.users.services import api_token_create

from .audit import LOCKED_OPENAPI, throttled_authenticate
from .callers import request_api_token
from .schemas import InputSchema, MessageOut

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _adopt_user(request: HttpRequest, user: User) -> None:
    """Make a token's user the request's user, with their language and time zone.

    The session middleware does this for signed-in browsers; a token request reaches the
    endpoint before anyone else has looked at it.
    """
    request.user = user
    if user.language:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
    try:
        timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <key>`; a read-only key is refused every unsafe method (403)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = request_api_token(request)
        if api_token is None:
            return None
        _adopt_user(request, api_token.user)
        if api_token.is_read_only and request.method not in SAFE_METHODS:
            raise PermissionDeniedError(
                _("This API key is read-only: it can read but not change anything.")
            )
        return api_token.user


class SessionCsrfAuth(SessionAuth):
    """The Django session; unsafe methods must carry the CSRF token.

    Ninja's SessionAuth checks CSRF before it looks at the user, so a caller with no
    credentials at all would get 403 (CSRF) instead of 401; this looks at the user first.
    """

    def __call__(self, request: HttpRequest) -> User | None:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


router = Router(tags=["auth"])


class TokenIn(InputSchema):
    username: str
    password: str
    name: str = ""
    scope: ApiTokenScope = ApiTokenScope.READ_WRITE


class TokenOut(Schema):
    token: str


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: MessageOut, 429: MessageOut},
    openapi_extra=LOCKED_OPENAPI,
    summary="Create an API token",
    description="Exchange a username and password for a bearer token. The token is shown "
    "once; send it as `Authorization: Bearer <token>`. After too many failed attempts for one "
    "username, or from one address, both are refused for a while: 429 with `Retry-After`.",
)
def token_create(request, payload: TokenIn):
    user = throttled_authenticate(request, username=payload.username, password=payload.password)
    if isinstance(user, HttpResponse):  # locked: 429 with Retry-After
        return user
    if user is None:
        raise HttpError(
            401,
            _(
                "Please enter a correct %(username)s and password. Note that both fields may "
                "be case-sensitive."
            )
            % {"username": User._meta.get_field("username").verbose_name},
        )
    _token, raw = api_token_create(user=user, name=payload.name[:100], scope=payload.scope)
    return {"token": raw}
