"""Rate limits on /api/v1/: a fixed one-minute window per API key (or per user of a session).

Reads (GET, HEAD, OPTIONS) and writes (every other method) are counted apart, against
settings.API_RATE_LIMIT and settings.API_RATE_LIMIT_UNSAFE requests a minute; 0 turns a limit
off. The window starts with the caller's first request and lasts 60 seconds. The counter lives
in the default cache (shared by the web processes, see config/cache_url.py): one read and one
write per request. Two requests that race may both read the same count, so a burst can pass a
few requests over the limit; it never refuses a request that is under it.
"""

import dataclasses
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Longer than the window so a counter is overwritten, not expired, while a caller is active.
_KEEP_SECONDS = 3600

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class RateVerdict:
    """The outcome of counting one request."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the window ends: the Retry-After of a refused request

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }


def rate_limit_for(method: str) -> int:
    """Requests a minute allowed for this method (0: no limit)."""
    if method.upper() in SAFE_METHODS:
        return int(getattr(settings, "API_RATE_LIMIT", 600))
    return int(getattr(settings, "API_RATE_LIMIT_UNSAFE", 120))


def rate_limit_hit(*, caller: str, method: str) -> RateVerdict | None:
    """Count one request of `caller` ("key:<id>" or "user:<id>"); None when there is no limit."""
    limit = rate_limit_for(method)
    if limit <= 0:
        return None
    bucket = "read" if method.upper() in SAFE_METHODS else "write"
    cache_key = f"shangji:ratelimit:{bucket}:{caller}"
    now = time.time()
    try:
        state = cache.get(cache_key)
        if state and now < state[0] + WINDOW_SECONDS:
            start, count = state
        else:
            start, count = now, 0
        reset = max(1, math.ceil(start + WINDOW_SECONDS - now))
        if count >= limit:
            return RateVerdict(False, limit, 0, reset)
        cache.set(cache_key, (start, count + 1), _KEEP_SECONDS)
    except Exception:  # a cache that is down must not take the API with it
        logger.exception("API rate limit: the cache failed; request let through")
        return None
    return RateVerdict(True, limit, limit - count - 1, reset)
