"""Files the pages hand over: a CSV streamed as it is read, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

# A spreadsheet runs a cell that starts like a formula (CSV injection): such text is quoted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    """The value as a CSV cell: text that a spreadsheet would read as a formula gets a leading
    quote; numbers and dates are written as they are, and None as nothing."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Echo:
    """A file that hands back what is written: csv.writer's rows become the response's chunks."""

    def write(self, value: str) -> str:
        return value


def csv_download(name: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """`procure-<name>-<today>.csv`, its rows written as they come (a big tenant's file starts
    at once and is never held in memory whole)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"procure-{name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
