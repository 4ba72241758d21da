"""EMAIL_URL → Django's MAILERS entry.

E-mail: the outgoing server from EMAIL_URL (the SMTP settings page, when filled in, wins);
without it mail is printed to the console, so nothing leaves the machine by accident.
  smtp://user:password@host:587?tls=1   STARTTLS (also smtp+tls://, submission://)
  smtps://user:password@host:465        TLS from the start (also smtp+ssl://)
  smtp://host:25                        plain; console:// · file:///path · locmem:// · dummy://
Percent-encode "@", ":" or "/" in the user name or password (%40, %3A, %2F).
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

EMAIL_SCHEMES = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "submission": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
}


def parse_email_url(url: str) -> dict:
    """An EMAIL_URL as a MAILERS entry: {"BACKEND": ..., "OPTIONS": {...}}."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in EMAIL_SCHEMES:
        raise ImproperlyConfigured(
            f"EMAIL_URL: unknown scheme {parts.scheme!r}; use one of {', '.join(EMAIL_SCHEMES)}."
        )
    backend = EMAIL_SCHEMES[scheme]
    if scheme == "file":
        return {"BACKEND": backend, "OPTIONS": {"file_path": unquote(parts.path) or None}}
    if not backend.endswith("smtp.EmailBackend"):
        return {"BACKEND": backend, "OPTIONS": {}}
    query = {key.lower(): values[-1] for key, values in parse_qs(parts.query).items()}

    def flag(*names: str) -> bool:
        return any(query.get(name, "").lower() in {"1", "true", "yes", "on"} for name in names)

    use_ssl = scheme in {"smtps", "smtp+ssl"} or flag("ssl")
    use_tls = not use_ssl and (scheme in {"smtp+tls", "submission"} or flag("tls", "starttls"))
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL: the SMTP server's host name is missing.")
    try:
        port = parts.port
        timeout = float(query.get("timeout", 10))
    except ValueError as error:
        raise ImproperlyConfigured(f"EMAIL_URL: {error}") from error
    return {
        "BACKEND": backend,
        "OPTIONS": {
            "host": parts.hostname,
            "port": port or (465 if use_ssl else 587 if use_tls else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": timeout,
        },
    }
