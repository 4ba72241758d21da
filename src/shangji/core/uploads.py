"""What may be uploaded: an allow-list of file types, each checked by its name AND its content.

A file is accepted when its extension is on the list and its first bytes look like that type
(a PDF starts with %PDF, an XLSX is a ZIP, a text file has no NUL bytes and no program
header…), and when it is within the size limit. So an .exe renamed .pdf is refused, and the
type we later serve a file as comes from this list, never from what the uploader's browser
claimed. HTML and SVG may be attached (customers send them) but are always served as bytes.
"""

import codecs
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HEAD_BYTES = 8192
ZIP = (b"PK\x03\x04", b"PK\x05\x06")
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # .doc, .xls, .ppt, .msg
# Program and script containers that no allowed type starts with.
EXECUTABLES = (
    b"MZ",  # Windows .exe/.dll
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java class
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"#!",
    b"\x00asm",
)
TEXT = "text"


@dataclass(frozen=True)
class FileType:
    """One allowed kind of file: the type it is served as and the first bytes it may have."""

    content_type: str
    starts: tuple[bytes, ...] | str = ()  # TEXT: any text without NUL bytes
    offset: int = 0
    also: tuple[bytes, ...] = ()  # other starts taken as well

    def matches(self, head: bytes) -> bool:
        if self.also and head.startswith(self.also):
            return True
        if self.starts == TEXT:
            return looks_like_text(head)
        return head[self.offset :].startswith(self.starts)


def looks_like_text(head: bytes) -> bool:
    """Text in any common encoding: no NUL bytes (UTF-16 with its BOM aside), no program."""
    if head.startswith(EXECUTABLES):
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    return b"\x00" not in head


OCTET_STREAM = "application/octet-stream"
OFFICE_XML = "application/vnd.openxmlformats-officedocument."
ATTACHMENT_TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", (b"%PDF",)),
    "png": FileType("image/png", (b"\x89PNG",)),
    "jpg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": FileType("image/gif", (b"GIF87a", b"GIF89a")),
    "webp": FileType("image/webp", (b"WEBP",), offset=8),
    "bmp": FileType("image/bmp", (b"BM",)),
    "tif": FileType("image/tiff", (b"II*\x00", b"MM\x00*")),
    "tiff": FileType("image/tiff", (b"II*\x00", b"MM\x00*")),
    "heic": FileType("image/heic", (b"ftyp",), offset=4),
    "docx": FileType(OFFICE_XML + "wordprocessingml.document", ZIP),
    "xlsx": FileType(OFFICE_XML + "spreadsheetml.sheet", ZIP),
    "pptx": FileType(OFFICE_XML + "presentationml.presentation", ZIP),
    "odt": FileType("application/vnd.oasis.opendocument.text", ZIP),
    "ods": FileType("application/vnd.oasis.opendocument.spreadsheet", ZIP),
    "odp": FileType("application/vnd.oasis.opendocument.presentation", ZIP),
    "doc": FileType("application/msword", OLE),
    "xls": FileType("application/vnd.ms-excel", OLE),
    "ppt": FileType("application/vnd.ms-powerpoint", OLE),
    "msg": FileType("application/vnd.ms-outlook", OLE),
    "rtf": FileType("application/rtf", (b"{\\rtf",)),
    "zip": FileType("application/zip", ZIP),
    "7z": FileType("application/x-7z-compressed", (b"7z\xbc\xaf\x27\x1c",)),
    "rar": FileType("application/vnd.rar", (b"Rar!\x1a\x07",)),
    "mp3": FileType("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    "m4a": FileType("audio/mp4", (b"ftyp",), offset=4),
    "mp4": FileType("video/mp4", (b"ftyp",), offset=4),
    "mov": FileType("video/quicktime", (b"ftyp", b"moov", b"wide", b"mdat"), offset=4),
    "wav": FileType("audio/wav", (b"WAVE",), offset=8),
    "amr": FileType("audio/amr", (b"#!AMR",)),
    "txt": FileType("text/plain", TEXT),
    "csv": FileType("text/csv", TEXT),
    "tsv": FileType("text/tab-separated-values", TEXT),
    "md": FileType("text/plain", TEXT),
    "log": FileType("text/plain", TEXT),
    "json": FileType("application/json", TEXT),
    "ics": FileType("text/calendar", TEXT),
    "vcf": FileType("text/vcard", TEXT),
    "eml": FileType("message/rfc822", TEXT),
    # Pages and drawings would run in the browser: kept, but only ever served as bytes.
    "html": FileType(OCTET_STREAM, TEXT),
    "htm": FileType(OCTET_STREAM, TEXT),
    "svg": FileType(OCTET_STREAM, TEXT),
    "xml": FileType(OCTET_STREAM, TEXT),
}
# .amr recordings start with "#!AMR", which the executable check would otherwise refuse.
_TEXT_STARTS_ALLOWED = {"amr"}

# A workbook saved under a .csv name is read as the workbook it is (imports.parsing).
IMPORT_TYPES: dict[str, FileType] = {
    "csv": FileType("text/csv", TEXT, also=ZIP),
    "tsv": FileType("text/tab-separated-values", TEXT, also=ZIP),
    "txt": FileType("text/plain", TEXT, also=ZIP),
    "xlsx": FileType(ATTACHMENT_TYPES["xlsx"].content_type, ZIP),
    "xlsm": FileType("application/vnd.ms-excel.sheet.macroEnabled.12", ZIP),
}


def extension_of(name: str) -> str:
    """The lower-case extension of a file name, without the dot ("" when there is none)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().rstrip(".")
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def served_type(name: str) -> str:
    """The Content-Type an attachment named `name` is sent with (bytes when in doubt)."""
    file_type = ATTACHMENT_TYPES.get(extension_of(name))
    return file_type.content_type if file_type else OCTET_STREAM


def _head(upload) -> bytes:
    """The first bytes of an uploaded file (the file is left at its start)."""
    if hasattr(upload, "seek"):
        upload.seek(0)
    head = upload.read(HEAD_BYTES)
    if hasattr(upload, "seek"):
        upload.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def _allowed_list(types: dict[str, FileType]) -> str:
    return ", ".join(f".{extension}" for extension in types)


def _check(upload, name: str, types: dict[str, FileType], limit_mb: int | None) -> list[str]:
    """The reasons `upload` is refused (none when it may be stored)."""
    extension = extension_of(name)
    file_type = types.get(extension)
    if file_type is None:
        return [
            _("“%(name)s”: files of this type cannot be uploaded. Allowed: %(allowed)s.")
            % {"name": name, "allowed": _allowed_list(types)}
        ]
    size = getattr(upload, "size", None)
    if limit_mb is not None and size is not None and size > limit_mb * 2**20:
        return [_("“%(name)s” is larger than %(limit)s MB.") % {"name": name, "limit": limit_mb}]
    head = _head(upload)
    executable = head.startswith(EXECUTABLES) and extension not in _TEXT_STARTS_ALLOWED
    if executable or (head and not file_type.matches(head)):
        return [
            _("“%(name)s” is not really a .%(extension)s file: its content is of another kind.")
            % {"name": name, "extension": extension}
        ]
    return []


def check_attachments(uploads, field: str = "attachments") -> None:
    """Refuse, with every reason at once, attachments of a type we do not take.

    Their size is checked where they are stored (activities.services.attachment_add), against
    the same MAX_UPLOAD_MB.
    """
    errors = []
    for upload in uploads or ():
        name = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
        errors += _check(upload, name, ATTACHMENT_TYPES, None)
    if errors:
        raise ValidationError({field: errors})


def check_import_file(upload, name: str, field: str = "file") -> None:
    """Refuse an import file that is empty, too large, or not really CSV/text or XLSX."""
    if getattr(upload, "size", None) == 0:
        raise ValidationError({field: [_("The file is empty.")]})
    errors = _check(upload, name, IMPORT_TYPES, settings.IMPORT_MAX_UPLOAD_MB)
    if errors:
        raise ValidationError({field: errors})
