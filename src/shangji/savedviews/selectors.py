"""Reads of saved views: the ones a user may open on a list."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from shangji.users.models import Team

from .models import SavedView


def _team_scope(user) -> Q:
    """Shared views of the user's team: its members' and its manager's, and those of the teams
    the user manages."""
    scope = Q(owner__team__manager=user)
    if user.team_id:
        scope |= Q(owner__team=user.team_id) | Exists(
            Team.objects.filter(pk=user.team_id, manager=OuterRef("owner"))
        )
    return scope


def saved_views_visible(user, list_name: str | None = None) -> QuerySet[SavedView]:
    """The user's own views and the views shared with their team."""
    queryset = SavedView.objects.filter(
        Q(owner=user) | (Q(shared_with_team=True) & _team_scope(user))
    )
    if list_name:
        queryset = queryset.filter(list=list_name)
    return queryset.select_related("owner")


def saved_view_menu(user, list_name: str) -> tuple[list[SavedView], list[SavedView]]:
    """The list page's menu in one query: (my views, views my team shares), by name."""
    views = list(saved_views_visible(user, list_name).order_by("name", "id"))
    mine = [view for view in views if view.owner_id == user.pk]
    shared = [view for view in views if view.owner_id != user.pk]
    return mine, shared
