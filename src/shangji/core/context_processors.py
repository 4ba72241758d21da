from django.conf import settings


def shangji(request):
    """What every page needs: the base currency and the unread notification count."""
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {"base_currency": settings.BASE_CURRENCY, "unread_notifications": unread}
