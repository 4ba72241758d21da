"""The outgoing mail connection every sender uses (reminders, composed e-mails)."""

from django.core.mail import get_connection


def outgoing_connection():
    """A connection to the configured SMTP server."""
    return get_connection()
