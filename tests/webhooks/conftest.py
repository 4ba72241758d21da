"""A real HTTP receiver on loopback that records deliveries and answers as told."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.api.conftest import api_as  # noqa: F401 - the API client fixture


class Receiver:
    """Records every POST (headers and raw body); answers the queued statuses, then 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.always: int | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.always or (receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/shangji"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def subscribe(team_users):
    """subscribe(url, events) → a webhook created by the administrator."""
    from shangji.webhooks.services import webhook_create

    def make(url, events=("opportunity.created",), **fields):
        return webhook_create(actor=team_users["admin"], url=url, events=list(events), **fields)

    return make
