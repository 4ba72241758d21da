"""Helpers shared by the test modules."""

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
