"""Reading RFC 822 messages as Chinese mail clients write them.

Headers may carry RFC 2047 encoded words in any charset, or raw 8-bit bytes (UTF-8 or GBK);
bodies come in GBK, GB18030, GB2312 (often holding GBK-only characters), UTF-8, Big5, as 8-bit,
quoted-printable or base64. Everything is decoded leniently: a message is never refused for a
bad byte, the byte is replaced.
"""

import datetime
import email
import email.errors
import email.header
import email.message
import email.policy
import email.utils
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field

from django.utils import timezone

# Declared charsets read as their supersets: mail labelled gb2312 routinely holds GBK characters.
CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "unknown-8bit": "utf-8",
    "x-unknown": "utf-8",
    "ks_c_5601-1987": "cp949",
}
SURROGATES = re.compile("[\udc80-\udcff]")
UNFOLD = re.compile(r"\r?\n(?=[ \t])")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
UNSAFE_FILENAME_CHARACTERS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """`data` as text: the declared charset (or its superset), else UTF-8, else GB18030."""
    declared = (charset or "").strip().strip('"').lower()
    candidates = [CHARSET_SUPERSETS.get(declared, declared)] if declared else []
    candidates += ["utf-8", "gb18030"]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _raw_to_text(value: str) -> str:
    """A raw header value as text: 8-bit bytes (kept as surrogates by the parser) decoded."""
    value = UNFOLD.sub("", str(value))
    if SURROGATES.search(value):
        # Bytes outside ASCII that the parser kept as surrogates; text already decoded is kept.
        value = decode_bytes(value.encode("utf-8", "surrogateescape"))
    return value


def decode_words(text: str) -> str:
    """Decode the RFC 2047 encoded words in `text` (any charset)."""
    if "=?" not in text:
        return text.strip()
    try:
        pieces = email.header.decode_header(text)
    except (email.errors.HeaderParseError, ValueError, LookupError):
        return text.strip()
    decoded = []
    for piece, charset in pieces:
        if isinstance(piece, str):
            decoded.append(piece)
        elif charset is None:
            # Text between encoded words comes back as raw-unicode-escape bytes.
            decoded.append(piece.decode("raw-unicode-escape", errors="replace"))
        else:
            decoded.append(decode_bytes(piece, charset))
    return "".join(decoded).strip()


def decode_header_value(value) -> str:
    """A header's value as readable text."""
    if value is None:
        return ""
    return re.sub(r"\s+", " ", decode_words(_raw_to_text(value)))


@dataclass
class Address:
    """One mailbox of an address header."""

    name: str
    email: str

    def __str__(self) -> str:
        if not self.name:
            return self.email
        name = f'"{self.name}"' if re.search(r'[,;<>"@]', self.name) else self.name
        return f"{name} <{self.email}>"


def parse_addresses(values: list[str]) -> list[Address]:
    """The mailboxes of raw address header values, names decoded, duplicates dropped."""
    texts = [_raw_to_text(value) for value in values if value]
    pairs = email.utils.getaddresses(texts)
    if texts and all(pair == ("", "") for pair in pairs):
        pairs = email.utils.getaddresses(texts, strict=False)
    found, seen = [], set()
    for name, address in pairs:
        address = address.strip().strip("<>")
        if "@" not in address or address.lower() in seen:
            continue
        seen.add(address.lower())
        found.append(Address(name=decode_words(name).replace('"', "").strip(), email=address))
    return found


def join_addresses(addresses: list[Address]) -> str:
    return ", ".join(str(address) for address in addresses)


def normalize_message_id(value: str) -> str:
    """A Message-ID as `<left@right>`; empty when there is none."""
    value = _raw_to_text(value or "").strip()
    match = MESSAGE_ID.search(value)
    if match:
        value = match.group(0)
    elif value and not re.search(r"\s", value):
        value = f"<{value}>"
    else:
        return ""
    if len(value) > 255:
        value = f"<{hashlib.sha256(value.encode()).hexdigest()}@long-id.invalid>"
    return value


def safe_filename(name: str, content_type: str, index: int) -> str:
    """A file name to show and to offer for download: no directories, no control characters."""
    name = UNSAFE_FILENAME_CHARACTERS.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = name.strip(" ._")
    if not name:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{index}{extension}"
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 200 - len(extension) - 1] + dot + extension) if dot else name[:200]
    return name


@dataclass
class ParsedAttachment:
    """A file carried by the message (also inline images, with their Content-ID)."""

    filename: str
    content_type: str
    content: bytes
    content_id: str = ""

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class ParsedEmail:
    """What the application keeps of a message."""

    message_id: str
    in_reply_to: str
    subject: str
    sender: Address | None
    to: list[Address]
    cc: list[Address]
    date: datetime.datetime | None
    body_text: str
    body_html: str
    attachments: list[ParsedAttachment] = field(default_factory=list)

    @property
    def addresses(self) -> list[str]:
        """Every address in From, To and Cc, lower case, From first."""
        mailboxes = ([self.sender] if self.sender else []) + self.to + self.cc
        ordered: list[str] = []
        for mailbox in mailboxes:
            if mailbox.email.lower() not in ordered:
                ordered.append(mailbox.email.lower())
        return ordered


def _header(message: email.message.Message, name: str) -> list[str]:
    return [value for key, value in message.raw_items() if key.lower() == name]


def _parameter(part: email.message.Message, header: str, name: str) -> str:
    """A Content-Type or Content-Disposition parameter, RFC 2231 and RFC 2047 decoded."""
    raw = _header(part, header)
    if not raw:
        return ""
    holder = email.message.Message()
    holder[header] = _raw_to_text(raw[0])
    value = holder.get_param(name, header=header)
    if value is None:
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text as latin-1 bytes)
        charset, _language, text = value
        return decode_bytes(text.encode("raw-unicode-escape"), charset or "utf-8")
    return decode_words(email.utils.unquote(value))


def _part_text(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True) or b""
    return decode_bytes(payload, part.get_content_charset())


def _walk(part, texts: list[str], htmls: list[str], attachments: list[ParsedAttachment]):
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        content = inner.as_bytes() if isinstance(inner, email.message.Message) else b""
        name = _parameter(part, "content-disposition", "filename") or (
            decode_header_value(inner.get("subject", "")) + ".eml"
            if isinstance(inner, email.message.Message)
            else ""
        )
        attachments.append(
            ParsedAttachment(
                filename=safe_filename(name, content_type, len(attachments) + 1),
                content_type=content_type,
                content=content,
            )
        )
        return
    if part.is_multipart():
        for child in part.get_payload():
            _walk(child, texts, htmls, attachments)
        return
    filename = _parameter(part, "content-disposition", "filename") or _parameter(
        part, "content-type", "name"
    )
    is_attachment = part.get_content_disposition() == "attachment" or bool(filename)
    if content_type == "text/plain" and not is_attachment:
        texts.append(_part_text(part))
    elif content_type == "text/html" and not is_attachment:
        htmls.append(_part_text(part))
    else:
        attachments.append(
            ParsedAttachment(
                filename=safe_filename(filename, content_type, len(attachments) + 1),
                content_type=content_type,
                content=part.get_payload(decode=True) or b"",
                content_id=(part.get("content-id") or "").strip().strip("<>"),
            )
        )


def _date(values: list[str]) -> datetime.datetime | None:
    if not values:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(_raw_to_text(values[0]).strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.astimezone(datetime.UTC)


def parse_message(raw: bytes) -> ParsedEmail:
    """Parse an RFC 822 message. A missing Message-ID becomes one derived from the bytes,
    so importing the same file twice still logs it once."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[ParsedAttachment] = []
    _walk(message, texts, htmls, attachments)
    senders = parse_addresses(_header(message, "from"))
    message_id = normalize_message_id(next(iter(_header(message, "message-id")), ""))
    if not message_id:
        message_id = f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"
    return ParsedEmail(
        message_id=message_id,
        in_reply_to=normalize_message_id(next(iter(_header(message, "in-reply-to")), "")),
        subject=decode_header_value(next(iter(_header(message, "subject")), "")),
        sender=senders[0] if senders else None,
        to=parse_addresses(_header(message, "to")),
        cc=parse_addresses(_header(message, "cc")),
        date=_date(_header(message, "date")),
        body_text="\n".join(text.strip("\r\n") for text in texts).replace("\r\n", "\n"),
        body_html="\n".join(htmls),
        attachments=attachments,
    )
