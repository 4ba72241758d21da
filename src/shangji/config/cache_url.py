"""CACHE_URL → Django's CACHES["default"].

The cache holds the API's rate-limit counters and in-flight idempotency locks, so it must be
shared by every web process:
  db:// (default)             a table in the database (`shangji_cache`, made by `migrate`)
  db://other_table            the same in another table (then run `shangji manage createcachetable`)
  redis://host:6379/0         Redis (also rediss://); needs the `redis` package
  locmem://                   this process only: development and tests with one process
  dummy://                    nothing is kept (rate limits and in-flight locks are off)
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

DEFAULT_CACHE_TABLE = "shangji_cache"


def parse_cache_url(url: str) -> dict:
    """A CACHE_URL as a CACHES entry."""
    url = (url or "db://").strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "db":
        table = (parts.netloc + parts.path).strip("/") or DEFAULT_CACHE_TABLE
        # Counters of a few thousand callers at most; culling keeps the table small.
        options = {"MAX_ENTRIES": 5000, "CULL_FREQUENCY": 3}
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": table,
            "OPTIONS": options,
        }
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shangji"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"CACHE_URL: unknown scheme {parts.scheme!r}; use db://, redis://, locmem:// or dummy://."
    )
