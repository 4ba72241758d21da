"""What the API itself keeps: the stored answers to POSTs sent with an Idempotency-Key."""

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The answer to a POST sent with an Idempotency-Key, replayed to a retry for 24 hours."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path, query string and body: the same key with another request is refused.
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=200)
    body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
