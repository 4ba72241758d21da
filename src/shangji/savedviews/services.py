"""Every write to saved views: create, change (rename, share, make default), delete."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shangji.core.errors import PermissionDeniedError
from shangji.core.writes import clean_or_raise

from .lists import filter_errors, filter_query, spec_of
from .models import SavedView

VIEW_FIELDS = {"name", "query", "columns", "sort", "shared_with_team", "is_default"}


def _require_owner(view: SavedView, actor) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDeniedError(_("Only the owner of a view can change it."))


def _apply(view: SavedView, changes: dict, actor) -> None:
    """Set and check the changes: a unique name, known columns and sort, valid filters."""
    spec = spec_of(view.list)
    if spec is None:
        raise ValidationError({"list": [_("There is no such list.")]})
    errors: dict[str, list] = {}
    unknown = set(changes) - VIEW_FIELDS
    for name in sorted(unknown):
        errors.setdefault(name, []).append(_("This field cannot be changed here."))
    if "name" in changes:
        view.name = (changes["name"] or "").strip()
        taken = SavedView.objects.filter(owner=view.owner, list=view.list, name=view.name)
        if view.name and taken.exclude(pk=view.pk).exists():
            errors.setdefault("name", []).append(
                _("You already have a view named “%(name)s”.") % {"name": view.name}
            )
    if "query" in changes:
        query = filter_query(spec, changes["query"] or "")
        for field, messages in filter_errors(spec, query, actor).items():
            errors.setdefault("query", []).extend(f"{field}: {message}" for message in messages)
        view.query = query.urlencode()
    if "columns" in changes:
        columns = list(dict.fromkeys(changes["columns"] or []))
        wrong = [key for key in columns if key not in spec.columns]
        if wrong:
            errors.setdefault("columns", []).append(
                _("Unknown columns: %(keys)s.") % {"keys": ", ".join(wrong)}
            )
        view.columns = columns
    if "sort" in changes:
        sort = (changes["sort"] or "").strip()
        if sort and sort.lstrip("-") not in spec.sort_keys:
            errors.setdefault("sort", []).append(_("This list cannot be sorted by that."))
        view.sort = sort
    for flag in ("shared_with_team", "is_default"):
        if flag in changes:
            setattr(view, flag, bool(changes[flag]))
    clean_or_raise(view, errors)


def _save(view: SavedView) -> SavedView:
    if view.is_default:
        # One default per user and list: the others stop being it first.
        SavedView.objects.filter(owner=view.owner, list=view.list, is_default=True).exclude(
            pk=view.pk
        ).update(is_default=False)
    view.save()
    return view


def saved_view_create(*, owner, list_name: str, name: str, **fields) -> SavedView:
    """Save a view of `list_name` for `owner`."""
    with transaction.atomic():
        view = SavedView(owner=owner, list=list_name)
        _apply(view, {"name": name, "query": "", **fields}, owner)
        return _save(view)


def saved_view_update(*, view: SavedView, actor, **changes) -> SavedView:
    """Change the owner's view: only the keys given."""
    with transaction.atomic():
        current = SavedView.objects.select_for_update().get(pk=view.pk)
        _require_owner(current, actor)
        _apply(current, changes, actor)
        return _save(current)


def saved_view_delete(*, view: SavedView, actor) -> None:
    """Delete the owner's view."""
    with transaction.atomic():
        _require_owner(view, actor)
        SavedView.objects.filter(pk=view.pk).delete()
