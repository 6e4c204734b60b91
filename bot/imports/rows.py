"""Reading an uploaded CSV into numbered rows, and the field parsers every import format shares.

Problems are reported with the physical line number where the record starts (the header is line 1), so an
operator can open the file and go straight to it.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from bot.errors import BadInput
from bot.text import invisible_characters

T = TypeVar("T")


class RowProblem(ValueError):
    """One or more reasons a row cannot be imported."""


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]
    fields: int = 0  # how many the row has…
    expected: int = 0  # …and how many the header has

    def get(self, column: str) -> str:
        return unicodedata.normalize("NFC", self.values.get(column) or "").strip()

    def unreadable(self) -> str | None:
        """Why this row cannot be read as meant: more or fewer fields than the header (a missing or an
        unquoted comma shifts every value after it), or a NUL byte (no database keeps one)."""
        if self.fields != self.expected:
            hint = " (a comma inside a value must be in quotes)" if self.fields > self.expected else ""
            return f"the row has {self.fields} fields, the header has {self.expected}{hint}"
        bad = sorted(column for column, value in self.values.items() if "\x00" in value)
        return f"{', '.join(bad)} contains a NUL character (byte 0x00)" if bad else None

    def has(self, column: str) -> bool:
        return column in self.values


_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def decode(data: bytes) -> str:
    """The file's text, or a clear refusal naming the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadInput(
            f"line {line}: the file is not UTF-8 (byte 0x{data[exc.start]:02X} cannot be read); "
            "save it as “CSV UTF-8” and import again. Nothing was written."
        ) from exc


def read_rows(text: str, required: tuple[str, ...]) -> tuple[list[str], list[CsvRow]]:
    """Header columns (lower-cased) and the non-blank rows, each with the line it starts on."""
    if not text.strip():
        raise BadInput("line 1: the file is empty; it needs a header row. Nothing was written.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
        missing = [name for name in required if name not in header]
        if missing:
            raise BadInput(
                f"line 1: missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"(the header has: {', '.join(filter(None, header)) or 'nothing'}).{_separator_hint(header)} "
                "Nothing was written."
            )
        rows = list(_records(reader, header))
    except csv.Error as exc:
        problem = f"line {reader.line_num}: the file's CSV quoting is broken ({exc})"
        raise BadInput(f"{problem}. Nothing was written.") from exc
    return header, rows


def _separator_hint(header: list[str]) -> str:
    for mark, name in ((";", "semicolons"), ("\t", "tabs")):
        if any(mark in column for column in header):
            return (
                f" The header seems to be separated by {name}: Tend reads comma-separated files (in a "
                "spreadsheet, save as “CSV UTF-8 (comma delimited)”)."
            )
    return ""


def _records(reader: Iterator[list[str]], header: list[str]) -> Iterator[CsvRow]:
    start = 2
    for record in reader:
        line, start = start, reader.line_num + 1  # type: ignore[attr-defined]
        if not any(cell.strip() for cell in record):
            continue
        values = {name: cell for name, cell in zip(header, record, strict=False) if name}
        yield CsvRow(line, values, len(record), len(header))


def email(text: str, column: str) -> str:
    value = text.strip().lower()
    if not _EMAIL.match(value):
        raise RowProblem(f"{column} “{text}” is not an email address")
    return value


def iso_date(text: str, column: str) -> date | None:
    if not text:
        return None
    if not _ISO_DATE.match(text):
        raise RowProblem(f"{column} “{text}” is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise RowProblem(f"{column} “{text}” is not a real date") from exc


def integer(text: str, column: str, low: int, high: int) -> int | None:
    if not text:
        return None
    try:
        value = int(text)
    except ValueError as exc:
        raise RowProblem(f"{column} “{text}” is not a whole number") from exc
    if not low <= value <= high:
        raise RowProblem(f"{column} {value} is outside {low}–{high}")
    return value


def amount(text: str, column: str) -> Decimal | None:
    cleaned = re.sub(r"[\s,_]", "", text).lstrip("$€£")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise RowProblem(f"{column} “{text}” is not a number") from exc
    if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
        raise RowProblem(f"{column} “{text}” must be zero or more (and under a trillion)")
    return value.quantize(Decimal("0.01"))


def text_value(text: str, column: str, limit: int, *, required: bool = False) -> str:
    value = " ".join(text.split())
    invisible = invisible_characters(value)
    if invisible:
        raise RowProblem(
            f"{column} holds invisible characters ({', '.join(invisible)}) that would make it look like another; "
            "type it again without them"
        )
    if required and not value:
        raise RowProblem(f"{column} is empty")
    if len(value) > limit:
        raise RowProblem(f"{column} is longer than {limit} characters")
    return value


def split_list(text: str, column: str) -> list[str]:
    return [text_value(item, column, len(item)) for item in text.split(";") if item.strip()]


class Problems:
    """Collects every reason a row is bad, so the operator fixes them all in one pass."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def check(self, parse: Callable[..., T], *args: object, **kwargs: object) -> T | None:
        try:
            return parse(*args, **kwargs)
        except RowProblem as problem:
            self.reasons.append(str(problem))
            return None

    def add(self, reason: str) -> None:
        self.reasons.append(reason)

    def raise_any(self) -> None:
        if self.reasons:
            raise RowProblem("; ".join(self.reasons))
