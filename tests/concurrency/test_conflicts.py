"""Two people changing the same opportunity at once, through a real `shangji serve` (gunicorn,
two processes) on a real database: exactly one change wins, the other is told (409), nothing is
silently overwritten — through the API, the board's drag and drop, and a bulk update racing
single edits. Counts, sums and history rows stay exact while many clients write together."""

import os
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from tests.served import ApiUser, BrowserUser, api_key, django_in, served_demo


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with served_demo(tmp_path_factory.mktemp("conflicts")) as (server, env):
        keys = {name: api_key(env, name) for name in ("liming", "wangqiang", "zhangyue")}
        yield server, env, keys


def together(count, work):
    """Run work(i) in `count` threads released at the same moment; their results in order."""
    start = threading.Barrier(count)
    results = [None] * count

    def run(index):
        start.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def open_deals(api, **params):
    status, page = api.call("GET", "/opportunities", status="open", limit=100, **params)
    assert status == 200
    return page["results"]


def history_count(env, opportunity_id) -> int:
    code = (
        "from shangji.opportunities.models import OpportunityChange\n"
        f"print(OpportunityChange.objects.filter(opportunity_id={opportunity_id}).count())"
    )
    return int(django_in(env, code))


def no_server_errors(server):
    log = server.log_path.read_text(errors="replace")
    assert "database is locked" not in log
    assert '" 500 ' not in log and "Traceback" not in log


def test_eight_api_clients_patch_one_version_exactly_one_wins(served):
    server, env, keys = served
    api = ApiUser(server, keys["liming"])
    deal = open_deals(api, ordering="-amount")[0]
    before = history_count(env, deal["id"])
    amounts = [Decimal(deal["amount"]) + 1000 * (index + 1) for index in range(8)]
    answers = together(
        8,
        lambda i: ApiUser(server, keys["liming"]).call(
            "PATCH",
            f"/opportunities/{deal['id']}",
            {"version": deal["version"], "amount": str(amounts[i])},
        ),
    )
    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] + [409] * 7
    [winner] = [index for index, (status, _body) in enumerate(answers) if status == 200]
    for status, body in answers:
        if status == 409:
            assert body["current_version"] == deal["version"] + 1
            assert "其他人已修改了此记录" in body["detail"]  # 李明 reads Chinese (the demo)
    status, now = api.call("GET", f"/opportunities/{deal['id']}")
    assert Decimal(now["amount"]) == amounts[winner]
    assert now["version"] == deal["version"] + 1
    assert history_count(env, deal["id"]) == before + 1  # one change, one history row
    no_server_errors(server)


def test_two_board_drags_of_one_card_move_it_once(served):
    server, env, keys = served
    api = ApiUser(server, keys["liming"])
    deal = next(d for d in open_deals(api) if d["owner_username"] == "wangqiang")
    _status, pipelines = api.call("GET", "/pipelines")
    stages = [s for p in pipelines if p["id"] == deal["pipeline"] for s in p["stages"]]
    targets = [s["id"] for s in stages if s["kind"] == "open" and s["id"] != deal["stage"]][:2]
    browsers = [BrowserUser(server, "liming"), BrowserUser(server, "wangqiang")]
    before = history_count(env, deal["id"])
    answers = together(
        2,
        lambda i: browsers[i].post(
            f"/opportunities/board/move/{deal['id']}/",
            {"stage": targets[i], "version": deal["version"], "lost_reason": ""},
            headers={"HX-Request": "true"},
        ),
    )
    statuses = sorted(status for status, _headers, _body in answers)
    assert statuses == [200, 409]
    [loser] = [body for status, _headers, body in answers if status == 409]
    assert "其他人已同时修改了" in loser.decode()  # both read Chinese in the demo
    [winner] = [i for i, (status, _h, _b) in enumerate(answers) if status == 200]
    _status, now = api.call("GET", f"/opportunities/{deal['id']}")
    assert now["stage"] == targets[winner] and now["version"] == deal["version"] + 1
    assert history_count(env, deal["id"]) == before + 1
    no_server_errors(server)


def test_a_bulk_update_racing_single_edits_loses_no_acknowledged_change(served):
    server, _env, keys = served
    manager = ApiUser(server, keys["liming"])
    deals = open_deals(manager)[:12]
    new_date = "2027-06-30"

    def work(index):
        if index == 0:
            return manager.call(
                "POST",
                "/opportunities/bulk-update",
                {"ids": [d["id"] for d in deals], "changes": {"close_date": new_date}},
            )
        # Three editors each change the amounts of four deals with the versions they read.
        mine = deals[(index - 1) * 4 : index * 4]
        return [
            (
                deal["id"],
                str(Decimal(deal["amount"]) + index),
                ApiUser(server, keys["liming"]).call(
                    "PATCH",
                    f"/opportunities/{deal['id']}",
                    {"version": deal["version"], "amount": str(Decimal(deal["amount"]) + index)},
                )[0],
            )
            for deal in mine
        ]

    bulk, *edits = together(4, work)
    status, job = bulk
    assert status in (200, 201, 202), job
    failed_ids = {failure["id"] for failure in job.get("failures", [])}
    rows = [row for edit in edits for row in edit]
    acknowledged = {deal_id: amount for deal_id, amount, code in rows if code == 200}
    assert {code for _deal_id, _amount, code in rows} <= {200, 409}
    for deal in deals:
        status, now = manager.call("GET", f"/opportunities/{deal['id']}")
        if deal["id"] in acknowledged:  # an edit that was told "saved" is still there
            assert now["amount"] == f"{Decimal(acknowledged[deal['id']]):.2f}"
        else:
            assert now["amount"] == deal["amount"]
        if deal["id"] in failed_ids:  # the bulk update said it could not change this one
            assert now["close_date"] == deal["close_date"]
        else:
            assert now["close_date"] == new_date
    assert job["status"] == "done"
    assert job["updated"] + job["unchanged"] + job["failed"] == len(deals)
    no_server_errors(server)


def test_counts_sums_and_history_are_exact_under_concurrent_writes(served):
    server, env, keys = served
    reader = ApiUser(server, keys["zhangyue"])
    rep = ApiUser(server, keys["wangqiang"])
    status, pipelines = rep.call("GET", "/pipelines")
    default = next(p for p in pipelines if p["is_default"])
    open_stages = [s["id"] for s in default["stages"] if s["kind"] == "open"]
    own = [d for d in open_deals(rep, mine="true") if d["pipeline"] == default["id"]][:4]
    assert len(own) == 4
    before_total = count_and_sum(env)
    before_history = {d["id"]: history_count(env, d["id"]) for d in own}

    def work(index):
        client = ApiUser(server, keys["wangqiang"])
        if index < 4:  # creators: ten opportunities each
            made = []
            for n in range(10):
                status, body = client.call(
                    "POST",
                    "/opportunities",
                    {
                        "name": f"并发测试 {index}-{n}",
                        "account": own[0]["account"],
                        "amount": f"{1000 + index * 10 + n}.50",
                        "currency": "CNY",
                        "close_date": "2027-03-31",
                        "stage": open_stages[0],
                    },
                )
                made.append((status, body.get("amount") if status == 201 else None))
            return made
        deal = own[index - 4]  # movers: each moves one deal through the open stages
        version, moves = deal["version"], 0
        for stage in [s for s in open_stages if s != deal["stage"]][:4]:
            status, body = client.call(
                "PATCH", f"/opportunities/{deal['id']}", {"version": version, "stage": stage}
            )
            assert status == 200, body
            assert body["version"] == version + 1  # a real move: one history row each
            version, moves = body["version"], moves + 1
        return moves

    results = together(8, work)
    created = [amount for made in results[:4] for status, amount in made if status == 201]
    assert len(created) == 40
    count, total = count_and_sum(env)
    assert count == before_total[0] + 40
    assert total == before_total[1] + sum(Decimal(amount) for amount in created)
    for deal, moves in zip(own, results[4:], strict=True):
        assert history_count(env, deal["id"]) == before_history[deal["id"]] + moves
    # The board's column figures add up to the same open count the list reports.
    status, board = reader.call("GET", "/board", pipeline=default["id"])
    assert status == 200
    open_columns = [column for column in board["columns"] if column["kind"] == "open"]
    assert sum(column["count"] for column in open_columns) == open_count(env, default["id"])
    no_server_errors(server)


def count_and_sum(env) -> tuple[int, Decimal]:
    code = (
        "from django.db.models import Sum\n"
        "from shangji.opportunities.models import Opportunity\n"
        "print(Opportunity.objects.count(), Opportunity.objects.aggregate(s=Sum('amount'))['s'])"
    )
    count, total = django_in(env, code).split()
    return int(count), Decimal(total)


def open_count(env, pipeline_id) -> int:
    code = (
        "from shangji.opportunities.models import Opportunity\n"
        f"print(Opportunity.objects.filter(pipeline_id={pipeline_id}, stage__kind='open').count())"
    )
    return int(django_in(env, code))


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="SQLite only: one writer holds the whole database (PostgreSQL locks rows)",
)
def test_api_reads_answer_while_another_writer_holds_sqlite(served):
    """A big import holds SQLite's write lock for a minute: API reads with a key must not fail
    (or wait) over recording the key's last use."""
    server, env, _keys = served
    fresh = api_key(env, "wangqiang")  # never used: its first request records its last use
    holder = sqlite3.connect(Path(env["SHANGJI_HOME"]) / "shangji.sqlite3", timeout=1)
    holder.execute("BEGIN IMMEDIATE")  # as an import's write pass does
    try:
        status, page = ApiUser(server, fresh).call("GET", "/opportunities", limit=5)
    finally:
        holder.rollback()
        holder.close()
    assert status == 200 and len(page["results"]) == 5
    no_server_errors(server)
