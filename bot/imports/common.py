"""What the import driver and each format share: validated rows, reference data, set-based helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)  # what the import changed that someone should know

    def summary(self) -> str:
        counts = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {len(self.rejected)} rejected"
        )
        if self.dry_run:
            return f"{self.kind}: dry run, nothing written — would be {counts}"
        if not self.written:
            return f"{self.kind}: nothing written — {len(self.rejected)} of {self.rows} rows are invalid"
        return f"{self.kind}: {counts}"


@dataclass
class Valid:
    """A row that passed validation: its line, its key in the file, and its clean values."""

    line: int
    key: tuple[str, str]
    values: dict[str, Any]


@dataclass
class Known:
    """What rows are checked against, loaded once per import."""

    today: date
    person_ids: dict[str, int] = field(default_factory=dict)
    emails_in_file: set[str] = field(default_factory=set)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def same_keys(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    """Bulk UPDATE needs every row of one batch to set the same columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups.values()
