"""The caller of the request being served (address, browser), for the entries written during it.

Set when a request starts and cleared when it ends; outside a request (the task worker, the
command line) there is none, and entries carry no address.
"""

import contextvars
import dataclasses
import ipaddress
import os

from django.conf import settings

USER_AGENT_LENGTH = 300


@dataclasses.dataclass(frozen=True)
class Caller:
    ip_address: str | None
    user_agent: str


_caller: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "shangji_audit_caller", default=None
)


def trusted_proxy_count() -> int:
    """How many reverse proxies in front of us append to X-Forwarded-For (0: trust none)."""
    value = getattr(settings, "TRUSTED_PROXY_COUNT", None)
    if value is None:
        value = os.environ.get("TRUSTED_PROXY_COUNT", "0")
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_address(meta) -> str | None:
    """The caller's address from a WSGI environ or request.META.

    REMOTE_ADDR unless TRUSTED_PROXY_COUNT proxies are configured: then the address the
    outermost of them saw, which is the N-th entry of X-Forwarded-For counted from the right
    (entries further left were written by the client and can be anything).
    """
    remote = _valid_ip(meta.get("REMOTE_ADDR"))
    proxies = trusted_proxy_count()
    if proxies:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            candidate = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
            return _valid_ip(candidate) or remote
    return remote


def caller_from(meta) -> Caller:
    agent = str(meta.get("HTTP_USER_AGENT", "")).replace("\x00", "")[:USER_AGENT_LENGTH]
    return Caller(ip_address=client_address(meta), user_agent=agent)


def current_caller() -> Caller | None:
    return _caller.get()


def remember_request(sender, environ=None, scope=None, **kwargs):
    if environ is not None:
        _caller.set(caller_from(environ))
    elif scope is not None:
        headers = {
            "HTTP_" + key.decode("latin-1").upper().replace("-", "_"): value.decode("latin-1")
            for key, value in scope.get("headers", [])
        }
        client = scope.get("client") or (None, None)
        _caller.set(caller_from({**headers, "REMOTE_ADDR": client[0] or ""}))


def forget_request(sender, **kwargs):
    _caller.set(None)
