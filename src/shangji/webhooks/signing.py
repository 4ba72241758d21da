"""The signature of a delivery: HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret.

Receivers verify it as the README shows: recompute, compare in constant time, and refuse
timestamps older than a few minutes (replays).
"""

import hashlib
import hmac
import secrets
import time

SCHEME = "v1"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh random secret (shown to the administrator; stored as is, we sign with it)."""
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Shangji-Signature` header value."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify(secret: str, timestamp: str, body: bytes, header: str, now: float | None = None) -> bool:
    """Whether `header` signs `body` at `timestamp` with `secret`, within the tolerance."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - moment) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, moment, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))
