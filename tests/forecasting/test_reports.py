"""Exact figures, visibility, filters, drill-downs, CSV and query counts of the four reports."""

import datetime
import json
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict
from django.urls import reverse

from shangji.forecasting import selectors
from shangji.opportunities.models import Opportunity, Pipeline
from shangji.opportunities.selectors import opportunity_list
from shangji.users.models import Team
from tests.helpers import queries_of

pytestmark = pytest.mark.django_db

D = Decimal
OPEN_STAGES = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Identifying Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
]


def build(slug, user, **params):
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [str(value)])
    filterset, report = selectors.report_get(spec=selectors.REPORTS[slug], user=user, params=query)
    assert report is not None, filterset.errors
    return report


def by_label(report):
    return {row[0]: row[1:] for row in report.rows}


def test_amounts_in_base_currency(deals):
    assert deals["B"].amount_base == D("710.00")
    assert deals["C"].amount_base == D("2599.97")
    assert deals["G"].amount_base == D("2340.00")


# 1. Pipeline by stage


def test_pipeline_by_stage_figures(deals, team_users):
    report = build("pipeline-by-stage", team_users["admin"])
    labels = [row[0] for row in report.rows]
    assert labels == [*OPEN_STAGES, "Legacy Review (retired)"]
    rows = by_label(report)
    assert rows["Prospecting"] == [10, 1, D("1000.00"), D("100.00")]
    assert rows["Qualification"] == [20, 0, D("0.00"), D("0.00")]
    # (710.00 + 2599.97) × 65 % = 2151.4805 → rounded once
    assert rows["Proposal/Price Quote"] == [65, 2, D("3309.97"), D("2151.48")]
    assert rows["Negotiation/Review"] == [80, 1, D("10000.00"), D("8000.00")]
    assert rows["Legacy Review (retired)"] == [50, 1, D("2340.00"), D("1170.00")]
    assert report.totals == ["Total", None, 5, D("16649.97"), D("11421.48")]


def test_pipeline_by_stage_retired_stage_without_deals_is_hidden(deals, team_users):
    Opportunity.objects.filter(pk=deals["G"].pk).delete()
    labels = [row[0] for row in build("pipeline-by-stage", team_users["admin"]).rows]
    assert labels == OPEN_STAGES


def test_pipeline_by_stage_chart_has_bar_and_funnel(deals, team_users):
    chart = build("pipeline-by-stage", team_users["admin"]).chart
    assert [view["type"] for view in chart["views"]] == ["bar", "funnel"]
    funnel = chart["views"][1]["series"][0]
    assert funnel["values"][0] == D("1000.00")
    assert len(funnel["urls"]) == len(chart["categories"]) == 9


# 2. Lead source


def test_by_lead_source_figures(deals, team_users):
    report = build("lead-sources", team_users["admin"])
    assert report.rows == [
        ["Web Site", 3, D("25200.00")],
        ["None", 1, D("2599.97")],
        ["Cold Call", 1, D("2340.00")],
        ["Partner", 2, D("1210.00")],
    ]
    assert report.totals == ["Total", 7, D("31349.97")]
    urls = report.chart["views"][0]["series"][0]["urls"]
    assert parse_qs(urlsplit(urls[1]).query) == {"lead_source": ["none"]}
    assert parse_qs(urlsplit(urls[0]).query) == {"lead_source": ["Web Site"]}


# 3. Outcome by month


def test_outcome_by_month_figures(deals, team_users):
    report = build("outcome-by-month", team_users["admin"])
    assert report.rows == [
        ["January 2026", 1, D("14200.00"), 0, D("0.00"), 2, D("1710.00"), 3, D("15910.00")],
        ["February 2026", 0, D("0.00"), 0, D("0.00"), 2, D("12599.97"), 2, D("12599.97")],
        ["March 2026", 0, D("0.00"), 1, D("500.00"), 1, D("2340.00"), 2, D("2840.00")],
    ]
    assert report.totals == [
        "Total",
        1,
        D("14200.00"),
        1,
        D("500.00"),
        5,
        D("16649.97"),
        7,
        D("31349.97"),
    ]


def test_outcome_by_month_fills_empty_months(deals, team_users, make_opportunity):
    make_opportunity(team_users["zhaolei"], close_date=datetime.date(2026, 6, 2))
    months = [row[0] for row in build("outcome-by-month", team_users["admin"]).rows]
    assert months == [
        "January 2026",
        "February 2026",
        "March 2026",
        "April 2026",
        "May 2026",
        "June 2026",
    ]


def test_outcome_by_month_drill_down_clips_month_to_the_filter(deals, team_users):
    report = build("outcome-by-month", team_users["admin"], close_date_from="2026-01-20")
    assert report.rows[0][1:3] == [1, D("14200.00")]
    assert report.rows[0][5:7] == [1, D("710.00")]  # A (15 January) is outside the range
    won, lost, _open = report.chart["views"][0]["series"]
    assert parse_qs(urlsplit(won["urls"][0]).query) == {
        "close_date_from": ["2026-01-20"],
        "close_date_to": ["2026-01-31"],
        "status": ["won"],
    }
    assert parse_qs(urlsplit(lost["urls"][1]).query)["close_date_to"] == ["2026-02-28"]


# 4. Lead source by outcome


def test_lead_source_by_outcome_figures(deals, team_users):
    report = build("lead-source-outcome", team_users["admin"])
    assert report.rows == [
        ["Web Site", 1, 0, 2, 3, D("100.0")],
        ["Partner", 0, 1, 1, 2, D("0.0")],
        ["None", 0, 0, 1, 1, None],
        ["Cold Call", 0, 0, 1, 1, None],
    ]
    assert report.totals == ["Total", 1, 1, 5, 7, D("50.0")]


# Visibility


def test_rep_sees_only_own_deals(deals, team_users):
    rep = team_users["wangqiang"]
    rows = by_label(build("pipeline-by-stage", rep))
    assert rows["Prospecting"][1:] == [1, D("1000.00"), D("100.00")]
    assert rows["Proposal/Price Quote"][1:] == [1, D("710.00"), D("461.50")]
    assert rows["Negotiation/Review"][1:] == [0, D("0.00"), D("0.00")]
    assert build("lead-sources", rep).totals == ["Total", 4, D("18250.00")]
    assert build("outcome-by-month", rep).totals[-2:] == [4, D("18250.00")]
    assert build("lead-source-outcome", rep).totals == ["Total", 1, 0, 3, 4, D("100.0")]


def test_manager_sees_the_team(deals, team_users):
    report = build("lead-sources", team_users["liming"])
    assert report.totals == ["Total", 6, D("21349.97")]  # everything but 赵磊's 10000.00


def test_rep_cannot_widen_with_owner_filter(deals, team_users):
    report = build("lead-sources", team_users["wangqiang"], owner=team_users["zhaolei"].pk)
    assert report.rows == []


# Filters


def test_filter_by_owner_team_pipeline_and_dates(deals, team_users):
    admin = team_users["admin"]
    east = Team.objects.get(name="华东销售")
    north = Team.objects.get(name="华北销售")
    assert build("lead-sources", admin, team=north.pk).totals == ["Total", 1, D("10000.00")]
    assert build("lead-sources", admin, team=east.pk).totals == ["Total", 6, D("21349.97")]
    chen = team_users["chenjing"]
    assert build("lead-sources", admin, owner=chen.pk).totals == ["Total", 2, D("3099.97")]
    report = build(
        "outcome-by-month", admin, close_date_from="2026-02-01", close_date_to="2026-02-28"
    )
    assert [row[0] for row in report.rows] == ["February 2026"]
    other = Pipeline.objects.create(name="Renewals", position=5)
    assert build("lead-sources", admin, pipeline=other.pk).rows == []
    default = Pipeline.objects.get(is_default=True)
    assert build("lead-sources", admin, pipeline=default.pk).totals[1] == 7


def test_invalid_filter_shows_errors_and_no_report(deals, client, team_users):
    client.force_login(team_users["admin"])
    url = reverse("forecasting:report_detail", args=["lead-sources"])
    response = client.get(url, {"close_date_from": "not a date"})
    assert response.status_code == 200
    assert response.context["report"] is None
    assert b"report-data" not in response.content
    export = client.get(url + "export.csv", {"close_date_from": "not a date"})
    assert export.status_code == 302


# Drill-down: every bar's link opens the list with exactly the opportunities it counts


def _list_count(user, url) -> int:
    parts = urlsplit(url)
    assert parts.path == reverse("opportunities:opportunity_list")
    filterset, page, _key, _descending = opportunity_list(
        user=user, params=QueryDict(parts.query), size=1000
    )
    assert page is not None, filterset.errors
    return len(page.items)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"close_date_from": "2026-01-20", "close_date_to": "2026-03-10"},
        {"team": "east"},
        {"team": "east", "owner": "chenjing"},
        {"pipeline": "default"},
    ],
)
def test_drill_down_urls_match_the_counts(deals, team_users, filters):
    admin = team_users["admin"]
    params = dict(filters)
    if "team" in params:
        params["team"] = Team.objects.get(name="华东销售").pk
    if "owner" in params:
        params["owner"] = team_users[params["owner"]].pk
    if "pipeline" in params:
        params["pipeline"] = Pipeline.objects.get(is_default=True).pk
    checked = 0
    for slug, count_series in [
        ("pipeline-by-stage", "Count"),
        ("lead-sources", "Count"),
        ("outcome-by-month", None),
        ("lead-source-outcome", None),
    ]:
        report = build(slug, admin, **params)
        bar = report.chart["views"][-1] if slug == "outcome-by-month" else report.chart["views"][0]
        for series in bar["series"]:
            if count_series and series["name"] != count_series:
                continue
            for value, url in zip(series["values"], series["urls"], strict=True):
                assert _list_count(admin, url) == value, (slug, series["name"], url)
                for key in ("team", "owner", "pipeline"):
                    if key in filters:
                        assert parse_qs(urlsplit(url).query)[key] == [str(params[key])]
                for key in ("close_date_from", "close_date_to"):
                    if key in filters and slug != "outcome-by-month":
                        assert f"{key}=" in url
                checked += 1
    assert checked > 10


def test_drill_down_stage_link(deals, team_users):
    report = build("pipeline-by-stage", team_users["admin"], close_date_to="2026-02-28")
    urls = report.chart["views"][0]["series"][0]["urls"]
    proposal = report.chart["categories"].index("Proposal/Price Quote")
    query = parse_qs(urlsplit(urls[proposal]).query)
    assert query == {
        "close_date_to": ["2026-02-28"],
        "stage": [str(deals["B"].stage_id)],
        "status": ["open"],
    }


def test_drill_down_keeps_a_team_whose_members_left(deals, team_users):
    zhao = team_users["zhaolei"]  # the only member of 华北销售, owner of F (10000.00, Web Site)
    zhao.is_active = False
    zhao.save()
    north = Team.objects.get(name="华北销售")
    report = build("lead-sources", team_users["admin"], team=north.pk)
    assert report.rows == [["Web Site", 1, D("10000.00")]]
    url = report.chart["views"][0]["series"][0]["urls"][0]
    assert parse_qs(urlsplit(url).query) == {"team": [str(north.pk)], "lead_source": ["Web Site"]}
    assert _list_count(team_users["admin"], url) == 1


def test_drill_down_for_no_lead_source(deals, team_users):
    report = build("lead-source-outcome", team_users["admin"])
    none = report.chart["categories"].index("None")
    won, lost, open_ = (series["urls"][none] for series in report.chart["views"][0]["series"])
    assert parse_qs(urlsplit(open_).query) == {"lead_source": ["none"], "status": ["open"]}
    assert _list_count(team_users["admin"], open_) == 1  # C
    assert _list_count(team_users["admin"], won) == _list_count(team_users["admin"], lost) == 0


# Pages, payload, CSV


def test_index_lists_the_reports(client, team_users):
    client.force_login(team_users["wangqiang"])
    response = client.get(reverse("forecasting:report_list"))
    assert response.status_code == 200
    for slug in selectors.REPORTS:
        assert reverse("forecasting:report_detail", args=[slug]).encode() in response.content
    assert b'href="/reports/"' in client.get(reverse("activities:my_work")).content


def test_report_needs_login(client):
    response = client.get(reverse("forecasting:report_detail", args=["lead-sources"]))
    assert response.status_code == 302
    assert client.get("/reports/no-such-report/").status_code in (302, 404)


def test_unknown_report_is_404(client, team_users):
    client.force_login(team_users["admin"])
    assert client.get("/reports/no-such-report/").status_code == 404
    assert client.get("/reports/no-such-report/export.csv").status_code == 404


@pytest.mark.parametrize("slug", list(selectors.REPORTS))
def test_page_embeds_payload_and_loads_local_echarts(deals, client, team_users, slug):
    client.force_login(team_users["admin"])
    response = client.get(reverse("forecasting:report_detail", args=[slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="/static/vendor/echarts-6.1.0/echarts.min.js" defer></script>' in html
    assert '<script src="/static/shangji/reports.js" defer></script>' in html
    # No inline script code: every <script> either has a src or is the JSON payload.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    payload = json.loads(
        re.search(
            r'<script id="report-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert payload["categories"]
    urls = [url for view in payload["views"] for s in view["series"] for url in s["urls"] if url]
    assert urls and all(url.startswith("/opportunities/?") for url in urls)
    assert 'data-testid="report-table"' in html


def test_page_table_shows_formatted_figures(deals, client, team_users):
    client.force_login(team_users["admin"])
    html = client.get(reverse("forecasting:report_detail", args=["pipeline-by-stage"])).content
    assert "16,649.97" in html.decode()
    assert "Legacy Review (retired)" in html.decode()


def test_csv_export(deals, client, team_users):
    client.force_login(team_users["wangqiang"])
    url = reverse("forecasting:report_export", args=["pipeline-by-stage"])
    response = client.get(url, {"close_date_to": "2026-02-28"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "pipeline-by-stage-" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == ("Stage,Probability (%),Count,Amount (CNY),Weighted amount (CNY)")
    assert "Prospecting,10,1,1000.00,100.00" in lines
    assert "Proposal/Price Quote,65,1,710.00,461.50" in lines
    assert lines[-1] == "Total,,2,1710.00,561.50"
    assert not any(line.startswith("Legacy Review") for line in lines)  # closes in March


def test_csv_export_outcome_by_month(deals, client, team_users):
    client.force_login(team_users["admin"])
    response = client.get(reverse("forecasting:report_export", args=["lead-source-outcome"]))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Lead source,Won,Lost,Open,Total count,Win rate (%)"
    assert lines[1] == "Web Site,1,0,2,3,100.0"
    assert lines[3] == "None,0,0,1,1,"


def test_xlsx_export_keeps_numbers(deals, client, team_users):
    import io

    from openpyxl import load_workbook

    client.force_login(team_users["wangqiang"])
    page = client.get(reverse("forecasting:report_detail", args=["pipeline-by-stage"]))
    assert 'data-testid="export-xlsx"' in page.content.decode()
    url = reverse("forecasting:report_export", args=["pipeline-by-stage"])
    response = client.get(url, {"close_date_to": "2026-02-28", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ("Stage", "Probability (%)", "Count", "Amount (CNY)", "Weighted amount (CNY)")
    assert ("Proposal/Price Quote", 65, 1, 710, 461.5) in rows
    assert rows[-1] == ("Total", None, 2, 1710, 561.5)


# Query counts stay fixed however many opportunities there are


@pytest.mark.parametrize("slug", list(selectors.REPORTS))
def test_query_count_is_bounded(deals, client, team_users, make_opportunity, slug):
    client.force_login(team_users["liming"])
    url = reverse("forecasting:report_detail", args=[slug])
    params = {"team": Team.objects.get(name="华东销售").pk, "close_date_from": "2026-01-01"}
    before = queries_of(lambda: client.get(url, params))
    for month in range(1, 13):
        make_opportunity(
            team_users["chenjing"],
            "Qualification",
            "10.00",
            "USD",
            datetime.date(2026, month, 3),
            lead_source="Email",
        )
    after = queries_of(lambda: client.get(url, params))
    assert after == before
    assert after <= 12
