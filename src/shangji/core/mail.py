"""The outgoing mail connection every sender uses (reminders, composed e-mails).

The SMTP settings page (the `MailSettings` row) wins when its server is filled in; otherwise
the `default` mailer built from EMAIL_URL in the settings (the console when it is unset, and
Django's in-memory outbox under tests). Send with `outgoing_connection().send_messages([...])`
and `from_email=default_from_address()`.
"""

from django.core.mail import mailers
from django.core.mail.backends.smtp import EmailBackend

SMTP_TIMEOUT_SECONDS = 20


def outgoing_connection():
    """A connection to the configured SMTP server (not yet opened)."""
    from .models import MailSecurity, MailSettings

    row = MailSettings.current()
    if not row.uses_own_server:
        return mailers.default
    return EmailBackend(
        alias="mail_settings",
        host=row.smtp_host,
        port=row.smtp_port,
        username=row.smtp_username,
        password=row.smtp_password,
        use_tls=row.smtp_security == MailSecurity.STARTTLS,
        use_ssl=row.smtp_security == MailSecurity.SSL,
        timeout=SMTP_TIMEOUT_SECONDS,
    )


def default_from_address() -> str:
    """The From address of mail the application sends."""
    from .models import MailSettings

    return MailSettings.current().sender
