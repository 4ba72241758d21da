"""Reading an uploaded file row by row: CSV in any common encoding and delimiter, or XLSX.

Nothing here holds more than a small sample of the file in memory: rows are streamed.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SAMPLE_BYTES = 64 * 1024
DELIMITERS = {
    ",": gettext_lazy("comma"),
    ";": gettext_lazy("semicolon"),
    "\t": gettext_lazy("tab"),
    "|": gettext_lazy("pipe"),
}
# What the user may choose; the first ones are what charset-normalizer usually answers.
ENCODINGS = [
    ("utf-8", "UTF-8"),
    ("utf-8-sig", "UTF-8 with BOM"),
    ("utf-16", "UTF-16"),
    ("gb18030", "GB18030 / GBK / GB2312"),
    ("big5", "Big5"),
    ("shift_jis", "Shift JIS"),
    ("cp1252", "Windows-1252 / Latin-1"),
]
# Encodings a detector names that we read with a superset codec.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "ascii": "utf-8"}
XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX file we can read; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Source:
    """How to read one file."""

    path: Path
    file_format: str = "csv"  # csv or xlsx
    encoding: str = ""
    delimiter: str = ","
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)


def detect_format(path: Path, name: str = "") -> str:
    with open(path, "rb") as handle:
        start = handle.read(4)
    if start == XLSX_MAGIC or name.lower().endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "csv"


def _sample(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SAMPLE_BYTES)


def detect_encoding(data: bytes) -> str:
    """The encoding of a sample: a BOM decides, then strict UTF-8, then charset-normalizer."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(data, final=len(data) < SAMPLE_BYTES)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return "gb18030"
    name = codecs.lookup(best.encoding).name
    return _SUPERSETS.get(name, name)


def _text_sample(path: Path, encoding: str) -> str:
    data = _sample(path)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(data, final=False)


def detect_delimiter(text: str) -> str:
    """The delimiter of a text sample: csv.Sniffer, else the most common candidate."""
    lines = text.splitlines()[:50]
    sample = "\n".join(lines)
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        if found in DELIMITERS:
            return found
    except csv.Error:
        pass
    header = lines[0] if lines else ""
    counts = {candidate: header.count(candidate) for candidate in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def inspect(
    path: Path, name: str = "", *, encoding: str = "", delimiter: str = "", sheet: str = ""
):
    """A Source for the file, detecting what the user did not choose."""
    file_format = detect_format(path, name)
    if file_format == "xlsx":
        sheets = _xlsx_sheets(path)
        if sheet and sheet not in sheets:
            raise UnreadableFile(
                _("The workbook has no sheet named “%(sheet)s”.") % {"sheet": sheet}
            )
        return Source(path, "xlsx", sheet=sheet or sheets[0], sheets=sheets)
    encoding = encoding or detect_encoding(_sample(path))
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UnreadableFile(_("Unknown encoding “%(name)s”.") % {"name": encoding}) from None
    if not delimiter:
        delimiter = detect_delimiter(_text_sample(path, encoding))
    return Source(path, "csv", encoding=encoding, delimiter=delimiter)


def _xlsx_sheets(path: Path) -> list[str]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise UnreadableFile(_("This is not an XLSX workbook we can read.")) from error
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def _csv_rows(source: Source) -> Iterator[list]:
    try:
        with open(source.path, encoding=source.encoding, newline="") as handle:
            yield from csv.reader(handle, delimiter=source.delimiter)
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            _("The file is not in the %(encoding)s encoding (byte %(position)s); choose another.")
            % {"encoding": source.encoding, "position": error.start}
        ) from error
    except csv.Error as error:
        raise UnreadableFile(
            _("The file is not a CSV file we can read: %(error)s") % {"error": error}
        ) from error


def _xlsx_rows(source: Source) -> Iterator[list]:
    from openpyxl import load_workbook

    workbook = load_workbook(source.path, read_only=True, data_only=True)
    try:
        sheet = workbook[source.sheet] if source.sheet else workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def raw_rows(source: Source) -> Iterator[list]:
    """Every row of the file (the header too), as lists of cells."""
    return _xlsx_rows(source) if source.file_format == "xlsx" else _csv_rows(source)


def _blank(row: list) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def clean_headers(row: list) -> list[str]:
    """The header row as unique, non-empty names (“Column 3”, “Name (2)”)."""
    row = list(row)
    while row and (row[-1] is None or str(row[-1]).strip() == ""):
        row.pop()  # a spreadsheet's empty cells after the last header
    headers: list[str] = []
    for index, cell in enumerate(row, start=1):
        name = ("" if cell is None else str(cell)).replace("\ufeff", "").strip()
        name = name or _("Column %(number)s") % {"number": index}
        base, count = name, 2
        while name in headers:
            name, count = f"{base} ({count})", count + 1
        headers.append(name)
    return headers


def read_headers(source: Source) -> list[str]:
    for row in raw_rows(source):
        if not _blank(row):
            return clean_headers(row)
    raise UnreadableFile(_("The file is empty."))


def data_rows(source: Source) -> Iterator[tuple[int, list]]:
    """(row number, cells) for every non-blank row after the header; the header is row 1."""
    rows = raw_rows(source)
    number = 0
    for row in rows:
        number += 1
        if not _blank(row):
            break
    for row in rows:
        number += 1
        if not _blank(row):
            yield number, row


def count_rows(source: Source) -> int:
    return sum(1 for _row in data_rows(source))


def sample_rows(source: Source, count: int = 3) -> list[list]:
    rows = []
    for _number, row in data_rows(source):
        rows.append(row)
        if len(rows) == count:
            break
    return rows


def csv_text(rows: list[list]) -> str:
    """Rows as CSV text (for tests and small files)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()
