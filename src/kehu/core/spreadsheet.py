"""Excel exports (XlsxWriter in constant memory), shared by every export of the app.

Text is always written as a string, never turned into a formula, a link or a number by
XlsxWriter; the callers pass cells already made formula-safe (kehu.core.redaction.cell /
spreadsheet_safe), so a cell like `=1+2` stays the text the user typed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO


def write_xlsx(stream: IO[bytes], sheet_name: str, head: list, rows: Iterable[list], *,
               frozen_columns: int = 0, widths: dict[tuple[int, int], int] | None = None) -> int:
    """One sheet: a bold header row, then `rows`; returns how many rows were written."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(stream, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    sheet = workbook.add_worksheet(sheet_name)
    sheet.write_row(0, 0, head, workbook.add_format({"bold": True}))
    sheet.freeze_panes(1, frozen_columns)
    for (first, last), width in (widths or {}).items():
        sheet.set_column(first, last, width)
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    count = 0
    for row in rows:
        count += 1
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(count, column, value)
            elif isinstance(value, dt.date):
                moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time.min)
                sheet.write_datetime(count, column, moment, dates)
            else:
                sheet.write_number(count, column, float(value))
    workbook.close()
    return count
