"""The guards in front of /api/v1/: rate limits, then idempotency keys on POST."""

import json

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from .callers import api_caller
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import idempotent_response
from .ratelimit import RateVerdict, rate_limit_hit

API_PREFIX = "/api/v1/"


def _too_many_requests(verdict: RateVerdict, user) -> HttpResponse:
    """429 in the caller's language (a token's user has not been adopted yet)."""
    with translation.override(getattr(user, "language", "") or translation.get_language()):
        message = _(
            "Too many requests: the limit is %(limit)d a minute. Retry in %(seconds)d seconds."
        ) % {"limit": verdict.limit, "seconds": verdict.reset_seconds}
    body = json.dumps({"detail": message}, ensure_ascii=False)
    response = HttpResponse(body, status=429, content_type="application/json; charset=utf-8")
    response["Retry-After"] = str(verdict.reset_seconds)
    return response


def _json_routing_error(response: HttpResponse) -> HttpResponse:
    """The API's JSON shape for a path no operation matches (404) or a method it does not
    accept (405); Django and ninja answer those with an HTML page or plain text."""
    if response.status_code not in (404, 405) or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return response
    if response.status_code == 404:
        message = _("Not found.")
    else:
        message = _("This method is not allowed here.")
    body = json.dumps({"detail": message}, ensure_ascii=False)
    answer = HttpResponse(
        body, status=response.status_code, content_type="application/json; charset=utf-8"
    )
    for name, value in response.items():  # Allow, the rate-limit headers, Vary...
        if name.lower() not in ("content-type", "content-length"):
            answer[name] = value
    answer.cookies = response.cookies
    return answer


class ApiGuardMiddleware:
    """Rate-limit and de-duplicate the API requests of signed-in callers (keys and sessions).

    Requests without valid credentials pass untouched: the API answers them 401.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        return _json_routing_error(self._guarded_response(request))

    def _guarded_response(self, request: HttpRequest) -> HttpResponse:
        caller = api_caller(request)
        if caller is None:
            return self.get_response(request)
        caller_id, user = caller
        verdict = rate_limit_hit(caller=caller_id, method=request.method or "GET")
        if verdict is not None and not verdict.allowed:
            response = _too_many_requests(verdict, user)
        elif request.method == "POST" and IDEMPOTENCY_HEADER in request.headers:
            response = idempotent_response(
                request,
                user_id=user.pk,
                key=request.headers[IDEMPOTENCY_HEADER].strip(),
                get_response=self.get_response,
            )
        else:
            response = self.get_response(request)
        if verdict is not None:
            for name, value in verdict.headers().items():
                response[name] = value
        return response
