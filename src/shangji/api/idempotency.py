"""Idempotency keys: a POST sent again with the same `Idempotency-Key` runs once.

The first request with a key runs inside one database transaction together with the write of
its stored answer (IdempotencyRecord: status, content type, body), so either both are committed
or neither is: a crash or a 5xx leaves no record and no change, and the client may retry. A
retry of the same request (same method, path, query and body) within 24 hours gets the stored
answer again with `Idempotent-Replayed: true` and runs nothing; the same key on a different
request is refused with 422; a retry while the first is still running gets 409 (an in-flight
lock in the shared cache, released when the first finishes or after LOCK_SECONDS). The unique
(user, key) constraint is the last guard: if two runs ever got past the lock, the second one's
transaction is rolled back whole and answers 409.

Answers that say nothing ran and a retry may succeed (401, 403, 409, 429, 5xx) are not stored.
"""

import contextlib
import datetime
import hashlib
import json
import logging

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import unreadable_body_message
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
KEEP_FOR = datetime.timedelta(hours=24)
# The in-flight lock outlives any request (gunicorn kills a worker after 30 s, rolling its
# transaction back), yet a lock left by a crashed server frees the key within a minute.
LOCK_SECONDS = 60
_NOT_STORED = frozenset({401, 403, 409, 429})

logger = logging.getLogger(__name__)


def _json_response(data: dict, status: int) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def _update_with_file(digest, upload) -> None:
    digest.update(f"\0{upload.name}\0{upload.size}\0".encode())
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)


def request_fingerprint(request: HttpRequest) -> str:
    """SHA-256 of the method, path, query string and body.

    A multipart body is hashed by its fields and files, not its bytes: a client library picks a
    new boundary for every attempt.
    """
    digest = hashlib.sha256()
    digest.update(
        f"{request.method}\0{request.path}\0{request.META.get('QUERY_STRING', '')}\0".encode()
    )
    if request.content_type == "multipart/form-data":
        for name, values in sorted(request.POST.lists()):
            digest.update(json.dumps([name, values], ensure_ascii=False).encode())
        for name, uploads in sorted(request.FILES.lists()):
            for upload in uploads:
                digest.update(name.encode())
                _update_with_file(digest, upload)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _invalid_key() -> HttpResponse:
    message = _("The Idempotency-Key header must have 1 to %(max)d characters.") % {
        "max": KEY_MAX_LENGTH
    }
    return _json_response({"detail": message, "errors": {HEADER: [message]}}, 400)


def _in_flight() -> HttpResponse:
    message = _(
        "A request with this Idempotency-Key is still being processed. Retry in a moment to "
        "get its answer."
    )
    # current_version: the shape of the 409 a stale version gets, so one schema fits both.
    response = _json_response({"detail": message, "current_version": None}, 409)
    response["Retry-After"] = "1"
    return response


def _answer_of(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
    """The stored answer, or 422 when the key was used for another request."""
    if record.request_hash != fingerprint:
        message = _(
            "This Idempotency-Key was already used for a different request. Send a new key "
            "with a new request."
        )
        return _json_response({"detail": message, "errors": {HEADER: [message]}}, 422)
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _stored(user_id: int, key: str) -> IdempotencyRecord | None:
    cutoff = timezone.now() - KEEP_FOR
    return IdempotencyRecord.objects.filter(
        user_id=user_id, key=key, created_at__gte=cutoff
    ).first()


def _storable(response: HttpResponse) -> bool:
    return (
        not response.streaming
        and response.status_code < 500
        and response.status_code not in _NOT_STORED
    )


def idempotent_response(
    request: HttpRequest, *, user_id: int, key: str, get_response
) -> HttpResponse:
    """Run the POST once for (user, key) and store its answer; replay it to a retry."""
    if not 0 < len(key) <= KEY_MAX_LENGTH:
        return _invalid_key()
    try:
        fingerprint = request_fingerprint(request)
    except MultiPartParserError:
        message = unreadable_body_message()
        return _json_response({"detail": message, "errors": {"__all__": [message]}}, 400)
    if (record := _stored(user_id, key)) is not None:
        return _answer_of(record, fingerprint)
    lock = "shangji:idempotency:" + hashlib.sha256(f"{user_id}\0{key}".encode()).hexdigest()
    try:
        locked = cache.add(lock, fingerprint, LOCK_SECONDS)
    except Exception:  # no cache: the unique constraint below still lets one run win
        logger.exception("Idempotency: the cache failed; running without the in-flight lock")
        locked = True
    if not locked:
        return _in_flight()
    try:
        # The first request may have finished between the look-up and the lock.
        if (record := _stored(user_id, key)) is not None:
            return _answer_of(record, fingerprint)
        with transaction.atomic():
            response = get_response(request)
            if not _storable(response):
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                return response
            # Expired answers go here, the one under this key included (lazily, by index).
            IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        user_id=user_id,
                        key=key,
                        request_hash=fingerprint,
                        status_code=response.status_code,
                        content_type=response.get("Content-Type", ""),
                        body=response.content,
                    )
            except IntegrityError:
                transaction.set_rollback(True)  # another run of this key won: undo this one
                return _in_flight()
            return response
    finally:
        with contextlib.suppress(Exception):
            cache.delete(lock)
