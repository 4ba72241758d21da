"""/api-keys: the caller's API keys (an administrator's view: everyone's)."""

import datetime

from django.http import Http404
from ninja import Field, Router, Schema, Status

from shangji.users.choices import ApiTokenScope
from shangji.users.models import ApiToken
from shangji.users.services import api_token_create, api_token_revoke

from .errors import READ_ERRORS, WRITE_ERRORS
from .schemas import InputSchema, read_from

router = Router(tags=["API keys"])

SCOPES_TEXT = (
    "`read-write` keys may call every endpoint the user may; `read-only` keys are refused "
    "(403) on every POST, PUT, PATCH and DELETE."
)


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it by.")
    scope: ApiTokenScope = Field(description=SCOPES_TEXT)
    user: int = read_from("user_id")
    username: str = read_from("user", "username")
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None = Field(
        description="When it was last used (recorded at most once a minute)."
    )


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(
        description="The key itself. It is shown this once and stored only as a hash: keep it."
    )


class ApiKeyIn(InputSchema):
    name: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"\S",
        description="What the key is for, e.g. “ERP sync”.",
    )
    scope: ApiTokenScope = ApiTokenScope.READ_WRITE


def _visible(request):
    return ApiToken.objects.active().visible_to(request.auth).select_related("user")


@router.get(
    "",
    response={200: list[ApiKeyOut], **READ_ERRORS},
    summary="List API keys",
    description="Your live keys, newest first; an administrator sees every user's. "
    "Revoked keys are not listed.",
)
def list_api_keys(request):
    return _visible(request)


@router.post(
    "",
    response={201: ApiKeyCreatedOut, **WRITE_ERRORS},
    summary="Create an API key",
    description="A new key for yourself. " + SCOPES_TEXT + " The key is in the answer once.",
)
def create_api_key(request, payload: ApiKeyIn):
    token, raw = api_token_create(user=request.auth, name=payload.name, scope=payload.scope)
    created = _visible(request).get(pk=token.pk)
    created.key = raw
    return Status(201, created)


@router.delete(
    "/{key_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Revoke an API key",
    description="Your own keys; an administrator may revoke anyone's. It stops working at once.",
)
def revoke_api_key(request, key_id: int):
    token = _visible(request).filter(pk=key_id).first()
    if token is None:
        raise Http404
    api_token_revoke(token=token, actor=request.auth)
    return Status(204, None)
