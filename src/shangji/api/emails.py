"""/emails: send an e-mail from the CRM, or log one received elsewhere (.eml).

Both take JSON (files as base64) or multipart/form-data (files as uploads), so a script can
post a small message inline and a browser or `curl -F` can upload a large one.
"""

import base64
import binascii
import json
from typing import Any, get_args, get_origin

import pydantic
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from shangji.activities.models import Activity

from .activities import with_relations
from .activity_schemas import ActivityOut
from .errors import WRITE_ERRORS
from .references import References
from .schemas import InputSchema

router = Router(tags=["emails"])

_LINK_HELP = "The opportunity, account or contact to log it on (an id)."


class EmailAttachmentIn(InputSchema):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field("application/octet-stream", max_length=127)
    content: str = Field(description="The file, base64-encoded.")


class EmailSendIn(InputSchema):
    opportunity: int | None = Field(None, description=_LINK_HELP)
    account: int | None = Field(None, description=_LINK_HELP)
    contact: int | None = Field(None, description=_LINK_HELP)
    to: list[str] = Field(description="Addresses, e.g. `王芳 <wangfang@example.com>`.")
    cc: list[str] = []
    subject: str
    body_text: str = ""
    body_html: str = Field("", description="Sent as written; stored sanitised.")
    attachments: list[EmailAttachmentIn] = Field(
        [], description="JSON only; with multipart/form-data, upload files as `attachments`."
    )


class EmailImportIn(InputSchema):
    raw: str | None = Field(
        None,
        description="The whole message (.eml), base64-encoded. With multipart/form-data, "
        "upload the file as `file` instead.",
    )
    opportunity: int | None = Field(None, description=_LINK_HELP)
    account: int | None = Field(None, description=_LINK_HELP)
    contact: int | None = Field(None, description=_LINK_HELP)


# --- reading a body that is JSON or multipart -------------------------------------------------


def _is_list(annotation) -> bool:
    return get_origin(annotation) is list or any(
        get_origin(arg) is list for arg in get_args(annotation)
    )


def _schema_error(errors: list[dict[str, Any]]) -> NinjaValidationError:
    return NinjaValidationError(
        [{**error, "loc": ("body", "payload", *error["loc"])} for error in errors]
    )


def _read_body(
    request: HttpRequest, schema: type[InputSchema], *, files: tuple[str, ...] = ()
) -> tuple[Any, dict[str, list[UploadedFile]]]:
    """The body as `schema`, and the uploaded `files` by field (multipart only).

    Multipart fields named like a list field may repeat; empty ones count as not sent.
    """
    uploads: dict[str, list[UploadedFile]] = {name: [] for name in files}
    if request.content_type == "multipart/form-data":
        data: dict[str, Any] = {}
        for key in request.POST:
            values = [value for value in request.POST.getlist(key) if value != ""]
            field = schema.model_fields.get(key)
            if values:
                data[key] = values if field and _is_list(field.annotation) else values[-1]
        unknown = [key for key in request.FILES if key not in files]
        if unknown:
            raise _schema_error(
                [
                    {
                        "type": "extra_forbidden",
                        "loc": (key,),
                        "msg": "Extra inputs are not permitted",
                    }
                    for key in unknown
                ]
            )
        uploads.update({name: request.FILES.getlist(name) for name in files})
    else:
        try:
            data = json.loads(request.body) if request.body else {}
        except ValueError:
            raise HttpError(400, "Cannot parse request body") from None
    try:
        return schema.model_validate(data), uploads
    except pydantic.ValidationError as error:
        raise _schema_error(error.errors(include_url=False, include_context=False)) from None


def _decode(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({field: [_("Enter a valid value.")]}) from None


# --- the OpenAPI description of those bodies ---------------------------------------------------


def _inline(schema: dict) -> dict:
    """A model's JSON schema with its `$defs` written in place (the body is not a component)."""
    definitions = schema.pop("$defs", {})

    def expand(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return expand(dict(definitions[node["$ref"].rsplit("/", 1)[-1]]))
            return {key: expand(value) for key, value in node.items()}
        if isinstance(node, list):
            return [expand(item) for item in node]
        return node

    return expand(schema)


def _body_docs(schema: type[InputSchema], *, drop: str, upload: dict, required: list) -> dict:
    as_json = _inline(schema.model_json_schema())
    as_form = _inline(schema.model_json_schema())
    as_form["properties"].pop(drop)
    as_form["properties"].update(upload)
    as_form["required"] = required
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": as_json},
                "multipart/form-data": {"schema": as_form},
            },
        }
    }


_BINARY = {"type": "string", "format": "binary"}


def _links(request: HttpRequest, payload) -> dict:
    data = payload.model_dump(include={"opportunity", "account", "contact"})
    return References(request.auth).resolve_fields(
        data, opportunity="opportunity", account="account", contact="contact"
    )


def _read(activity_id: int) -> Activity:
    return with_relations(Activity.objects.all()).get(pk=activity_id)


@router.post(
    "",
    response={201: ActivityOut, **WRITE_ERRORS},
    summary="Send an e-mail",
    description="Send through the configured SMTP server and log it (kind `email`, with its "
    "Message-ID) on the opportunity, account or contact. JSON (attachments base64) or "
    "multipart/form-data (repeat `to`, `cc` and `attachments`).",
    openapi_extra=_body_docs(
        EmailSendIn,
        drop="attachments",
        upload={"attachments": {"type": "array", "items": _BINARY}},
        required=["to", "subject"],
    ),
)
def send_email(request):
    from shangji.activities.mail.services import email_send

    payload, uploads = _read_body(request, EmailSendIn, files=("attachments",))
    links = _links(request, payload)
    attachments = list(uploads["attachments"])
    for index, attachment in enumerate(payload.attachments):
        content = _decode(attachment.content, f"attachments.{index}.content")
        attachments.append(
            SimpleUploadedFile(attachment.filename, content, attachment.content_type)
        )
    activity = email_send(
        actor=request.auth,
        **links,
        to=payload.to,
        cc=payload.cc,
        subject=payload.subject,
        body_text=payload.body_text,
        body_html=payload.body_html,
        attachments=attachments,
    )
    return Status(201, _read(activity.pk))


@router.post(
    "/import",
    response={200: ActivityOut, 201: ActivityOut, **WRITE_ERRORS},
    summary="Log a received e-mail (.eml)",
    description="Decode a whole message (headers, Chinese charsets, HTML sanitised, "
    "attachments kept), link it to contacts by address and to the record given (without one: "
    "to its first known contact). A Message-ID already logged answers 200 with the activity "
    "logged before and changes nothing; a new one 201. JSON with base64 `raw`, or "
    "multipart/form-data with the file as `file`.",
    openapi_extra=_body_docs(
        EmailImportIn, drop="raw", upload={"file": _BINARY}, required=["file"]
    ),
)
def import_email(request):
    from shangji.activities.mail.services import email_import

    payload, uploads = _read_body(request, EmailImportIn, files=("file",))
    if uploads["file"]:
        raw = b"".join(uploads["file"][0].chunks())
    elif payload.raw is not None:
        raw = _decode(payload.raw, "raw")
    elif request.content_type == "multipart/form-data":
        raise ValidationError(
            {"file": [_("No file was submitted. Check the encoding type on the form.")]}
        )
    else:
        raise ValidationError({"raw": [_("This field is required.")]})
    links = _links(request, payload)
    activity = email_import(actor=request.auth, raw=raw, **links)
    # The same Message-ID is logged once: importing it again answers the activity logged before.
    status = 200 if getattr(activity, "already_logged", False) else 201
    return Status(status, _read(activity.pk))
