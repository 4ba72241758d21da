"""Helpers shared by the test modules."""

import html
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(request) -> int:
    """How many queries `request()` runs.

    The log is cleared first: every test-client request resets it, so a capture that starts
    with old entries in the log would undercount.
    """
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        request()
    assert len(queries) > 0
    return len(queries)


NEXT_LINK = re.compile(r'rel="next" href="([^"]+)"')


def next_url(response) -> str | None:
    """The "next page" link of a list page (a query string, relative to the page)."""
    match = NEXT_LINK.search(response.content.decode())
    return response.request["PATH_INFO"] + html.unescape(match.group(1)) if match else None
