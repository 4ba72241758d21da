"""The load test's users: the sales team at work — list, search, open, edit, move stages, log
activities, read the board, the forecast and reports — each a signed-in browser session (the
pages) that also writes through the API with its own key, as the pages' scripts and
integrations do.

Every write the server acknowledges is appended to the JSON-lines file in
SHANGJI_LOAD_ACKS, so the runner can check afterwards that each one is in the database.
"""

import json
import os
import random
import threading
import uuid

from locust import HttpUser, between, events, task

ACKS = os.environ.get("SHANGJI_LOAD_ACKS", "acks.jsonl")
KEYS = json.loads(os.environ.get("SHANGJI_LOAD_KEYS", "{}"))  # username → API key
PASSWORD = os.environ.get("SHANGJI_LOAD_PASSWORD", "demo1234")
SEARCHES = ["百货", "新城", "商城", "Trading", "合作", "年度"]
_lock = threading.Lock()
_acks = open(ACKS, "a", encoding="utf-8")  # noqa: SIM115 - closed when the test stops


def acknowledged(kind: str, **fields) -> None:
    with _lock:
        _acks.write(json.dumps({"kind": kind, **fields}, ensure_ascii=False) + "\n")
        _acks.flush()


@events.test_stop.add_listener
def _close(**_kwargs):
    _acks.close()


class SalesPerson(HttpUser):
    """One of the demo's people: mostly reading, sometimes writing."""

    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.username = random.choice(sorted(KEYS))
        self.api_headers = {"Authorization": f"Bearer {KEYS[self.username]}"}
        self.client.get("/login/", name="login page")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/login/"},
            name="log in",
        )
        self.deals = self._visible_deals()
        self.stages = self._open_stages()

    def _visible_deals(self) -> list[dict]:
        response = self.client.get(
            "/api/v1/opportunities?status=open&limit=100",
            headers=self.api_headers,
            name="api: list open",
        )
        return response.json()["results"] if response.ok else []

    def _open_stages(self) -> dict[int, list[int]]:
        response = self.client.get(
            "/api/v1/pipelines", headers=self.api_headers, name="api: pipelines"
        )
        pipelines = response.json() if response.ok else []
        return {
            pipeline["id"]: [
                s["id"] for s in pipeline["stages"] if s["kind"] == "open" and s["is_active"]
            ]
            for pipeline in pipelines
        }

    @task(10)
    def list_opportunities(self):
        self.client.get("/opportunities/", name="list")

    @task(5)
    def search(self):
        self.client.get(f"/opportunities/?q={random.choice(SEARCHES)}", name="search")

    @task(8)
    def open_opportunity(self):
        if self.deals:
            self.client.get(f"/opportunities/{random.choice(self.deals)['id']}/", name="open")

    @task(3)
    def board(self):
        self.client.get("/opportunities/board/", name="board")

    @task(2)
    def forecast(self):
        self.client.get("/forecast/", name="forecast")

    @task(2)
    def report(self):
        slug = random.choice(["pipeline-by-stage", "outcome-by-month", "time-in-stage"])
        self.client.get(f"/reports/{slug}/", name="report")

    @task(3)
    def edit(self):
        """Change the next step with the version read just now (409 if someone was faster)."""
        if not self.deals:
            return
        deal = random.choice(self.deals)
        current = self.client.get(
            f"/api/v1/opportunities/{deal['id']}", headers=self.api_headers, name="api: get"
        )
        if not current.ok:
            return
        version = current.json()["version"]
        step = f"跟进 {uuid.uuid4().hex[:8]}"
        with self.client.patch(
            f"/api/v1/opportunities/{deal['id']}",
            json={"version": version, "next_step": step},
            headers=self.api_headers,
            name="edit",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                response.success()  # told: someone else changed it first
            elif response.ok:
                acknowledged("edit", id=deal["id"], version=version + 1, next_step=step)

    @task(3)
    def move_stage(self):
        if not self.deals:
            return
        deal = random.choice(self.deals)
        current = self.client.get(
            f"/api/v1/opportunities/{deal['id']}", headers=self.api_headers, name="api: get"
        )
        if not current.ok or deal["pipeline"] not in self.stages:
            return
        now = current.json()
        choices = [stage for stage in self.stages[deal["pipeline"]] if stage != now["stage"]]
        if not choices:
            return
        stage = random.choice(choices)
        with self.client.post(
            f"/opportunities/board/move/{deal['id']}/",
            data={"stage": stage, "version": now["version"], "lost_reason": ""},
            headers={
                "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
                "HX-Request": "true",
                "Referer": f"{self.host}/opportunities/board/",
            },
            name="move stage",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                response.success()
            elif response.ok:
                acknowledged("move", id=deal["id"], stage=stage, version=now["version"] + 1)

    @task(4)
    def log_call(self):
        if not self.deals:
            return
        deal = random.choice(self.deals)
        subject = f"负载测试 {uuid.uuid4().hex}"
        with self.client.post(
            "/api/v1/activities",
            json={
                "kind": "note",
                "subject": subject,
                "body": "客户反馈良好",
                "opportunity": deal["id"],
            },
            headers={**self.api_headers, "Idempotency-Key": str(uuid.uuid4())},
            name="log activity",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                acknowledged("activity", id=response.json()["id"], subject=subject)
            elif response.status_code == 403:
                response.success()  # a rep may not log on a deal they only read
