"""/mail-settings: the outgoing SMTP server and the inbound addresses (administrators)."""

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from shangji.activities.mail import services
from shangji.core.errors import PermissionDeniedError
from shangji.core.models import MailSecurity, MailSettings

from .errors import READ_ERRORS, WRITE_ERRORS
from .schemas import InputSchema, MessageOut, PatchSchema

router = Router(tags=["e-mail settings"])
ADMIN_READ_ERRORS = {**READ_ERRORS, 403: MessageOut}


class MailSettingsOut(Schema):
    smtp_host: str = Field(description='"" sends through the server\'s EMAIL_URL.')
    smtp_port: int
    smtp_username: str
    has_password: bool = Field(description="The password is never shown.")
    smtp_security: MailSecurity
    from_address: str
    inbound_domain: str = Field(description="Mail to opp-<id>@<this domain> is logged.")
    inbound_address: str = Field(description="The general inbound address.")

    @staticmethod
    def resolve_has_password(row) -> bool:
        return bool(row.smtp_password)


class MailSettingsPatch(PatchSchema):
    smtp_host: str = None  # type: ignore[assignment]
    smtp_port: int = Field(None, ge=1, le=65535)
    smtp_username: str = None  # type: ignore[assignment]
    smtp_password: str | None = Field(None, description="Write-only; null keeps the stored one.")
    smtp_security: MailSecurity = None  # type: ignore[assignment]
    from_address: str = None  # type: ignore[assignment]
    inbound_domain: str = None  # type: ignore[assignment]
    inbound_address: str = None  # type: ignore[assignment]


class MailTestIn(InputSchema):
    to: str = Field(description="Who receives the test message.")


@router.get(
    "/mail-settings",
    response={200: MailSettingsOut, **ADMIN_READ_ERRORS},
    summary="Read the e-mail settings",
    description="Administrators only.",
)
def get_mail_settings(request):
    if not request.auth.is_admin:
        raise PermissionDeniedError(PermissionDeniedError().message)
    return MailSettings.current()


@router.patch(
    "/mail-settings",
    response={200: MailSettingsOut, **WRITE_ERRORS},
    summary="Change the e-mail settings",
    description="Administrators only, with the settings page's rules. Send only the fields to "
    "change.",
)
def update_mail_settings(request, payload: MailSettingsPatch):
    return services.mail_settings_update(actor=request.auth, **payload.changes())


@router.post(
    "/mail-settings/test",
    response={202: MessageOut, **WRITE_ERRORS},
    summary="Send a test e-mail",
    description="Administrators only: sends a short message with the saved settings; a "
    "server that refuses it answers 400 with its reason.",
)
def send_test_mail(request, payload: MailTestIn):
    services.mail_test_send(actor=request.auth, to=payload.to)
    message = _("A test e-mail was sent to %(address)s.") % {"address": payload.to}
    return Status(202, {"detail": message})
