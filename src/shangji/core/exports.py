"""Exports that stream, open cleanly in Excel and cannot inject formulas: CSV and XLSX.

Rows are lists of plain values (text, int, Decimal, date, datetime, None). CSV writes them as
text (datetimes in the user's time zone as YYYY-MM-DD HH:MM); XLSX keeps numbers, dates and
times as spreadsheet values. Text that a spreadsheet would run as a formula (starting with
= + - @, a tab or a carriage return) gets a leading ' in both; our importer takes it off again.
"""

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value) -> str:
    """The cell as text; one that a spreadsheet would run as a formula gets a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_text(value) -> str:
    """A value as CSV text: datetimes local to the user, dates ISO, the rest as str()."""
    if isinstance(value, datetime.datetime):
        moment = timezone.localtime(value) if value.tzinfo else value
        return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)  # a number is data, never a formula: -1 stays -1
    return safe_cell(value)


def xlsx_cell(value):
    """A value as an XLSX cell: numbers and dates as such, text neutralised and XML-clean."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, datetime.date):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))


def _in_request_locale(rows: Iterable) -> Iterator:
    """Iterate `rows` in the language and time zone of now, also after the view returned."""
    language = translation.get_language()
    zone = timezone.get_current_timezone()

    def generate():
        with translation.override(language), timezone.override(zone):
            yield from rows

    return generate()


class _Echo:
    def write(self, value):
        return value


def csv_response(
    filename: str, header: list, rows: Iterable[list], *, bom: bool = True
) -> StreamingHttpResponse:
    """Stream `rows` as UTF-8 CSV; with `bom`, a byte-order mark so Excel reads Chinese."""
    writer = csv.writer(_Echo())
    header = [safe_cell(label) for label in header]  # report headers may hold names

    def lines():
        yield ("\ufeff" if bom else "") + writer.writerow(header)
        for row in _in_request_locale(rows):
            yield writer.writerow([cell_text(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(
    filename: str, header: list, rows: Iterable[list], *, title: str = ""
) -> FileResponse:
    """Write `rows` to an XLSX file with openpyxl's write-only mode and stream the file.

    Write-only worksheets spill rows to a temporary file as they come, so memory stays flat
    however many rows there are; the finished workbook is sent from a temporary file too.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(ILLEGAL_CHARACTERS_RE.sub("", title) or "Sheet1")[:31])
    sheet.append([xlsx_cell(str(label)) for label in header])
    for row in rows:
        sheet.append([xlsx_cell(cell) for cell in row])
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(target)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def export_options(params) -> tuple[str, bool]:
    """The format ("csv" unless "xlsx" is asked) and the BOM choice (on unless bom=0)."""
    file_format = (params.get("format") or "csv").lower()
    bom = (params.get("bom") or "1").lower() not in ("0", "false", "off", "no")
    return (file_format if file_format in FORMATS else "csv"), bom


def export_response(
    stem: str, header: list, rows: Iterable[list], *, file_format: str = "csv", bom: bool = True
):
    """`stem`.csv or `stem`.xlsx with `header` and `rows` (see csv_response, xlsx_response)."""
    if file_format == "xlsx":
        return xlsx_response(f"{stem}.xlsx", header, rows, title=stem)
    return csv_response(f"{stem}.csv", header, rows, bom=bom)
