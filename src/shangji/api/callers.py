"""Who is calling the API, worked out once per request (the guards and the auth share it)."""

from django.http import HttpRequest

from shangji.users.models import ApiToken
from shangji.users.services import api_token_use

_MEMO = "_shangji_api_token"


def bearer_value(request: HttpRequest) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, read as ninja's HttpBearer does."""
    header = request.headers.get("Authorization")
    if not header:
        return None
    scheme, _space, value = header.partition(" ")
    return value if scheme.lower() == "bearer" else None


def request_api_token(request: HttpRequest) -> ApiToken | None:
    """The live API key the request carries (looked up once; records its last use)."""
    raw = bearer_value(request)
    if raw is None:
        return None
    memo = getattr(request, _MEMO, None)
    if memo is None or memo[0] != raw:
        memo = (raw, api_token_use(raw))
        setattr(request, _MEMO, memo)
    return memo[1]


def api_caller(request: HttpRequest) -> tuple[str, object] | None:
    """("key:<id>", user) for a live API key, ("user:<id>", user) for a session, else None.

    The order is the API's: a bearer token first, then the session.
    """
    token = request_api_token(request)
    if token is not None:
        return f"key:{token.pk}", token.user
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}", user
    return None
