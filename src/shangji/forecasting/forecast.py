"""The forecast of a period (rows per rep grouped by team, roll-ups, company total, months)
and the quota grid: the selectors behind the forecast and quota pages, the API and the CLI.

Every figure comes from a fixed number of grouped queries, whatever the number of deals and
reps: forecast_by_owner (per owner), one per-month query, quota_amounts, and the people.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import DecimalField, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.translation import gettext as _

from shangji.core.errors import PermissionDeniedError
from shangji.core.permissions import edit_scope
from shangji.opportunities.choices import ForecastCategory, StageKind
from shangji.opportunities.models import Opportunity
from shangji.users.choices import Role
from shangji.users.models import Team, User

from .figures import ForecastFigures, forecast_by_owner
from .forms import ForecastForm, people_scope, rollup_teams
from .models import Quota
from .periods import Period, PeriodKind
from .quotas import quota_amounts
from .reports.base import OUTCOME_COLORS, ZERO, as_date, chart_series, to_cents, weighted_sum
from .services import may_set_quota

# The opportunity list's filters behind each figure (status and forecast categories).
OPEN_CATEGORIES = [
    ForecastCategory.COMMIT,
    ForecastCategory.CLOSED,
    ForecastCategory.BEST_CASE,
    ForecastCategory.PIPELINE,
]
FIGURE_FILTERS: dict[str, dict[str, list[str]]] = {
    "closed_won": {"status": ["won"]},
    "commit": {"status": ["open"], "forecast_category": ["commit", "closed"]},
    "best_case": {"status": ["open"], "forecast_category": ["best_case"]},
    "pipeline": {"status": ["open"], "forecast_category": ["pipeline"]},
    "open_pipeline": {"status": ["open"], "forecast_category": [c.value for c in OPEN_CATEGORIES]},
}
FIGURE_FILTERS["weighted"] = FIGURE_FILTERS["open_pipeline"]


def _list_links(period_start, period_end, scope: dict | None) -> dict[str, str | None]:
    """Figure name → the opportunity list showing its deals (None when it cannot)."""
    if scope is None:
        return dict.fromkeys(FIGURE_FILTERS)
    url = reverse("opportunities:opportunity_list")
    base = {
        "close_date_from": [period_start.isoformat()],
        "close_date_to": [period_end.isoformat()],
        **scope,
    }
    return {
        name: f"{url}?{urlencode({**base, **extra}, doseq=True)}"
        for name, extra in FIGURE_FILTERS.items()
    }


@dataclass
class ForecastRow:
    """One rep, a team's roll-up or the company total."""

    kind: str  # rep, team or company
    label: str
    figures: ForecastFigures
    quota: Decimal | None
    user: User | None = None
    team: Team | None = None
    links: dict[str, str | None] = field(default_factory=dict)

    @property
    def attainment(self) -> Decimal | None:
        """Closed won ÷ quota in percent, to one place; None without a quota."""
        if not self.quota:
            return None
        value = 100 * self.figures.closed_won / self.quota
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def remaining(self) -> Decimal | None:
        return None if self.quota is None else self.quota - self.figures.closed_won

    @property
    def coverage(self) -> Decimal | None:
        """Open pipeline ÷ (quota − closed won), to two places; None when nothing remains."""
        remaining = self.remaining
        if remaining is None or remaining <= 0:
            return None
        value = self.figures.open_pipeline / remaining
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def gap(self) -> Decimal | None:
        """Quota − closed won − commit (negative: ahead); None without a quota."""
        if self.quota is None:
            return None
        return self.quota - self.figures.closed_won - self.figures.commit


@dataclass
class TeamGroup:
    """A team's rows (or the rows of people in no team) and its roll-up, if the user sees it."""

    team: Team | None
    rows: list[ForecastRow]
    total: ForecastRow | None


@dataclass
class MonthFigures:
    """Expected revenue in one month of the period."""

    period: Period
    closed_won: Decimal
    open_pipeline: Decimal
    weighted: Decimal
    links: dict[str, str | None]


@dataclass
class Forecast:
    """The forecast page: groups of rows, the company total and the months."""

    period: Period
    groups: list[TeamGroup]
    total: ForecastRow | None
    months: list[MonthFigures]

    @property
    def rows(self) -> list[ForecastRow]:
        """Every row in page order: reps, each group's roll-up, the company total last."""
        rows: list[ForecastRow] = []
        for group in self.groups:
            rows += group.rows + ([group.total] if group.total else [])
        return rows + ([self.total] if self.total else [])

    def chart(self) -> dict:
        """The months as a bar chart payload for static/shangji/reports.js."""
        axis = _("Amount (%(currency)s)") % {"currency": settings.BASE_CURRENCY}
        series = [
            ("closed_won", _("Closed won"), OUTCOME_COLORS[StageKind.WON]),
            ("open_pipeline", _("Open pipeline"), OUTCOME_COLORS[StageKind.OPEN]),
            ("weighted", _("Weighted pipeline"), "#93c5fd"),
        ]
        return {
            "categories": [month.period.label for month in self.months],
            "views": [
                {
                    "label": _("Bar chart"),
                    "type": "bar",
                    "axes": [axis],
                    "series": [
                        chart_series(
                            label,
                            [str(getattr(month, name)) for month in self.months],
                            [month.links[name] for month in self.months],
                            color=color,
                        )
                        for name, label, color in series
                    ],
                }
            ],
        }


def _sum_quotas(quotas: list[Decimal | None]) -> Decimal | None:
    present = [quota for quota in quotas if quota is not None]
    return sum(present, ZERO) if present else None


def _sum_figures(rows: list[ForecastRow]) -> ForecastFigures:
    return sum((row.figures for row in rows), ForecastFigures())


def _months(queryset, period: Period, scope: dict | None) -> list[MonthFigures]:
    """Per month of `period`: closed won, open pipeline (not omitted) and weighted (one query)."""
    is_open = Q(stage__kind=StageKind.OPEN) & ~Q(forecast_category=ForecastCategory.OMITTED)
    found = {
        as_date(row["month"]): row
        for row in queryset.filter(close_date__range=(period.start, period.end))
        .values(month=TruncMonth("close_date"))
        .annotate(
            closed_won=Sum("amount_base", filter=Q(stage__kind=StageKind.WON)),
            open_pipeline=Sum("amount_base", filter=is_open),
            weighted=Sum(
                F("amount_base") * F("probability"),
                filter=is_open,
                output_field=DecimalField(max_digits=30, decimal_places=4),
            ),
        )
        .order_by()
    }
    months = []
    for month in period.parts(PeriodKind.MONTH):
        row = found.get(month.start, {})
        months.append(
            MonthFigures(
                period=month,
                closed_won=to_cents(row.get("closed_won")),
                open_pipeline=to_cents(row.get("open_pipeline")),
                weighted=weighted_sum(row.get("weighted")),
                links=_list_links(month.start, month.end, scope),
            )
        )
    return months


def _owner_scope(users: list[User]) -> dict | None:
    """The list's owner filter for these users; None if one is inactive (the list can't)."""
    if any(not user.is_active for user in users):
        return None
    return {"owner": [str(user.pk) for user in users]}


def forecast_build(*, user, period: Period, team: Team | None = None, owner: User | None = None):
    """The forecast of `period` as `user` may see it, optionally one team's or one owner's."""
    queryset = Opportunity.objects.visible_to(user)
    if (owners := edit_scope(user)) is not None:
        queryset = queryset.filter(owners)
    scope = people_scope(user)
    people = User.objects.all() if scope is None else User.objects.filter(scope)
    if team is not None:
        queryset = queryset.filter(owner__team=team)
        people = people.filter(team=team)
    if owner is not None:
        queryset = queryset.filter(owner=owner)
        people = people.filter(pk=owner.pk)
    figures = forecast_by_owner(queryset, period)
    user_quotas, team_quotas = quota_amounts(period)
    teams = rollup_teams(user) if owner is None else Team.objects.none()
    if team is not None:
        teams = teams.filter(pk=team.pk)
    teams = list(teams)
    shown = Q(pk__in=list(figures)) | Q(pk__in=list(user_quotas))
    shown |= Q(team__in=teams, is_active=True)
    if user.role == Role.REP and user.pk:
        shown |= Q(pk=user.pk)
    people = list(people.filter(shown).select_related("team").order_by("username"))
    start, end = period.start, period.end
    by_team: dict[int | None, list[ForecastRow]] = {}
    for person in people:
        by_team.setdefault(person.team_id, []).append(
            ForecastRow(
                "rep",
                person.display_name,
                figures.get(person.pk, ForecastFigures()),
                user_quotas.get(person.pk),
                user=person,
                team=person.team,
                links=_list_links(start, end, _owner_scope([person])),
            )
        )
    rollups = {team.pk: team for team in teams}
    groups_teams = {**rollups, **{p.team_id: p.team for p in people if p.team_id}}
    groups = []
    for team_id, group_team in sorted(groups_teams.items(), key=lambda item: item[1].name):
        rows = by_team.get(team_id, [])
        total = None
        if team_id in rollups:
            quota = team_quotas.get(team_id, _sum_quotas([row.quota for row in rows]))
            links = _list_links(start, end, {"team": [str(team_id)]})
            total = ForecastRow(
                "team", group_team.name, _sum_figures(rows), quota, team=group_team, links=links
            )
        groups.append(TeamGroup(group_team, rows, total))
    if None in by_team:
        groups.append(TeamGroup(None, by_team[None], None))
    company = None
    if user.reads_everything and team is None and owner is None:
        quotas = [group.total.quota for group in groups if group.total]
        quotas += [row.quota for group in groups if group.team is None for row in group.rows]
        every_row = [row for group in groups for row in group.rows]
        company = ForecastRow(
            "company",
            _("Company total"),
            _sum_figures(every_row),
            _sum_quotas(quotas),
            links=_list_links(start, end, {}),
        )
    if owner is not None:
        month_scope = _owner_scope([owner])
    elif user.reads_everything:
        month_scope = {"team": [str(team.pk)]} if team is not None else {}
    else:
        month_scope = _owner_scope(people)
    return Forecast(period, groups, company, _months(queryset, period, month_scope))


def forecast_get(*, user, params) -> tuple[ForecastForm, Forecast | None]:
    """The bound parameters and the forecast for `user`; no forecast if they are invalid."""
    form = ForecastForm(params, user=user)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    forecast = forecast_build(
        user=user, period=data["period"], team=data.get("team"), owner=data.get("owner")
    )
    return form, forecast


# The quota grid -------------------------------------------------------------------------------


@dataclass
class QuotaCell:
    """One input of the quota grid: a team or a rep, its quota set for exactly the period, the
    quota it has from finer periods, and whether the user may change it."""

    key: str  # user-<id> or team-<id>
    label: str
    holder: User | Team
    amount: Decimal | None
    effective: Decimal | None
    editable: bool
    errors: list[str] = field(default_factory=list)
    value: str | None = None  # what the user typed, shown again after an error

    @property
    def is_team(self) -> bool:
        return isinstance(self.holder, Team)

    @property
    def display(self) -> str:
        if self.value is not None:
            return self.value
        return "" if self.amount is None else str(self.amount)


@dataclass
class QuotaSection:
    """A team's cell then its members', or (team None) the people in no team."""

    team: Team | None
    cells: list[QuotaCell]


def may_view_quotas(user) -> bool:
    return user.is_active and (user.reads_everything or user.role == Role.MANAGER)


def quota_grid(*, user, period: Period) -> list[QuotaSection]:
    """The quota cells `user` may see for `period`: every team and rep for administrators and
    executives (read-only for executives), a manager's teams and their members."""
    if not may_view_quotas(user):
        raise PermissionDeniedError(_("Only managers, executives and administrators see quotas."))
    # Sorted here, not by the database: the same order under every collation.
    teams = sorted(rollup_teams(user), key=lambda team: team.name)
    members = Q(team__in=teams)
    if user.reads_everything:
        members |= Q(team__isnull=True, role__in=[Role.REP, Role.MANAGER])
    people = list(
        User.objects.filter(members, is_active=True).select_related("team").order_by("username")
    )
    stored = {
        (("user", row.user_id) if row.user_id else ("team", row.team_id)): row.amount
        for row in Quota.objects.filter(period_kind=period.kind, period_start=period.start)
    }
    user_quotas, team_quotas = quota_amounts(period)

    def cell(kind: str, holder, label: str, effective: dict) -> QuotaCell:
        return QuotaCell(
            key=f"{kind}-{holder.pk}",
            label=label,
            holder=holder,
            amount=stored.get((kind, holder.pk)),
            effective=effective.get(holder.pk),
            editable=may_set_quota(user, **{kind: holder}),
        )

    sections = []
    for team in teams:
        members = [
            cell("user", person, person.display_name, user_quotas)
            for person in people
            if person.team_id == team.pk
        ]
        head = cell("team", team, team.name, team_quotas)
        if head.effective is None:
            # As on the forecast: without a quota of its own, a team's is its members' sum.
            head.effective = _sum_quotas([member.effective for member in members])
        sections.append(QuotaSection(team, [head, *members]))
    loose = [
        cell("user", person, person.display_name, user_quotas)
        for person in people
        if person.team_id is None
    ]
    if loose:
        sections.append(QuotaSection(None, loose))
    return sections
