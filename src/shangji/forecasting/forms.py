"""The forecast and quota pages' parameters: a period key, and for the forecast team and owner."""

import datetime
import zoneinfo

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shangji.users.choices import Role
from shangji.users.models import Organization, Team, User

from .periods import Period, PeriodKind, period_of, period_parse


def local_today(user) -> datetime.date:
    """Today in `user`'s time zone (the server's if theirs is unknown)."""
    try:
        zone = zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    return timezone.localdate(timezone=zone)


def people_scope(user) -> Q | None:
    """The users whose forecast `user` reads (role rules); None means everybody."""
    if user.reads_everything:
        return None
    scope = Q(pk=user.pk)
    if user.role == Role.MANAGER:
        scope |= Q(team__manager=user)
    return scope


def rollup_teams(user):
    """The teams whose roll-up `user` sees: all for executives and admins, a manager's own."""
    if user.reads_everything:
        return Team.objects.all()
    if user.role == Role.MANAGER:
        return Team.objects.filter(manager=user)
    return Team.objects.none()


class PeriodForm(forms.Form):
    """`period`: a key (2026-11, FY2026-Q3, FY2026); the current fiscal quarter by default."""

    period = forms.CharField(label=_("Period"), required=False, max_length=16)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.fiscal_start_month = Organization.current().fiscal_year_start_month

    def clean_period(self) -> Period:
        key = self.cleaned_data.get("period")
        if not key:
            return period_of(PeriodKind.QUARTER, local_today(self.user), self.fiscal_start_month)
        try:
            period = period_parse(key, self.fiscal_start_month)
            # The neighbours are linked from the page: they must exist too.
            period.preceding().preceding()
            period.following().following()
        except ValueError:
            raise forms.ValidationError(
                _("Enter a period such as 2026-11, FY2026-Q3 or FY2026."), code="invalid"
            ) from None
        return period

    def period_or_default(self) -> Period:
        """The chosen period, or the current quarter when the form is not valid."""
        if self.is_valid():
            return self.cleaned_data["period"]
        return period_of(PeriodKind.QUARTER, local_today(self.user), self.fiscal_start_month)


class ForecastForm(PeriodForm):
    """The forecast's period, and optionally one team or one owner the user may see."""

    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All")
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, user=user, **kwargs)
        teams = rollup_teams(user)
        if user.team_id and not user.reads_everything:
            teams = Team.objects.filter(Q(pk__in=teams) | Q(pk=user.team_id))
        self.fields["team"].queryset = teams.order_by("name")
        scope = people_scope(user)
        people = User.objects.all() if scope is None else User.objects.filter(scope)
        self.fields["owner"].queryset = people.order_by("last_name", "first_name", "username")
        self.fields["owner"].label_from_instance = lambda person: person.display_name
