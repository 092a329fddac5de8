"""Spreadsheet files for import tests, built the way Excel and WPS write them."""

import csv
import io
import re
import zipfile

import openpyxl


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], cached: dict[str, object] | None = None) -> bytes:
    """A workbook; `cached` gives formula cells (by reference, such as "E2") the value Excel
    would have saved beside the formula, which openpyxl itself never writes."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    target = io.BytesIO()
    book.save(target)
    if not cached:
        return target.getvalue()
    return with_cached_values(target.getvalue(), cached)


def with_cached_values(workbook: bytes, cached: dict[str, object]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                for ref, value in cached.items():
                    kind = "str" if isinstance(value, str) else "n"
                    xml = re.sub(
                        rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/?>(</v>)?</c>',
                        rf'<c r="{ref}" t="{kind}"><f>\2</f><v>{value}</v></c>',
                        xml,
                    )
                data = xml.encode()
            out.writestr(item, data)
    return target.getvalue()


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
