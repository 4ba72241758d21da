"""/saved-views: named list views (filters, columns, sort), the caller's and their team's."""

import builtins
import datetime

from django.http import Http404
from ninja import Field, Router, Schema, Status

from shangji.savedviews import services
from shangji.savedviews.models import ListName, SavedView
from shangji.savedviews.selectors import saved_views_visible

from .errors import READ_ERRORS, WRITE_ERRORS
from .schemas import InputSchema, PatchSchema, read_from

router = Router(tags=["saved views"])


class SavedViewOut(Schema):
    id: int
    list: str
    name: str
    query: str = Field(description="The list's filters as a query string.")
    columns: builtins.list[str] = Field(
        description="Column keys in order; empty: the standard columns."
    )
    sort: str
    shared_with_team: bool
    is_default: bool = Field(description="The owner's default view of the list.")
    owner: int = read_from("owner_id")
    owner_username: str = read_from("owner", "username")
    mine: bool
    url: str = Field(description="The list page showing the view.")
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_mine(obj, context) -> bool:
        return obj.owner_id == context["request"].auth.pk

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class SavedViewIn(InputSchema):
    list: ListName = ListName.OPPORTUNITIES
    name: str
    query: str = ""
    columns: builtins.list[str] = []
    sort: str = ""
    shared_with_team: bool = False
    is_default: bool = False


class SavedViewPatch(PatchSchema):
    # Absent keys stay as they are; null is refused.
    name: str = None  # type: ignore[assignment]
    query: str = None  # type: ignore[assignment]
    columns: builtins.list[str] = None  # type: ignore[assignment]
    sort: str = None  # type: ignore[assignment]
    shared_with_team: bool = None  # type: ignore[assignment]
    is_default: bool = None  # type: ignore[assignment]


def _get(request, view_id: int) -> SavedView:
    view = saved_views_visible(request.auth).filter(pk=view_id).first()
    if view is None:
        raise Http404
    return view


@router.get(
    "",
    response={200: list[SavedViewOut], **READ_ERRORS},
    summary="List saved views",
    description="Your views and the ones your team shares, by name.",
)
def list_saved_views(request, list: ListName | None = None):
    return saved_views_visible(request.auth, list).order_by("name", "id")


@router.post("", response={201: SavedViewOut, **WRITE_ERRORS}, summary="Save a view")
def create_saved_view(request, payload: SavedViewIn):
    data = payload.model_dump()
    view = services.saved_view_create(
        owner=request.auth, list_name=data.pop("list"), name=data.pop("name"), **data
    )
    return Status(201, _get(request, view.pk))


@router.get("/{view_id}", response={200: SavedViewOut, **READ_ERRORS}, summary="Get a view")
def get_saved_view(request, view_id: int):
    return _get(request, view_id)


@router.patch(
    "/{view_id}",
    response={200: SavedViewOut, **WRITE_ERRORS},
    summary="Change a view",
    description="Only your own. Send only the keys to change; `is_default` true makes it your "
    "default view of its list (the previous default stops being it).",
)
def update_saved_view(request, view_id: int, payload: SavedViewPatch):
    view = _get(request, view_id)
    services.saved_view_update(view=view, actor=request.auth, **payload.changes())
    return _get(request, view_id)


@router.delete(
    "/{view_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a view (only your own)"
)
def delete_saved_view(request, view_id: int):
    services.saved_view_delete(view=_get(request, view_id), actor=request.auth)
    return Status(204, None)
