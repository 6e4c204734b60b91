"""Button values are typed and decoded in one place: what was encoded comes back as it was, and anything
else (a button from an older Tend, a tampered payload) is refused politely."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.values import STALE, AccountRef, FlagRef, NudgeRefs, StaleValue, Value
from bot.vocab import Category, Severity


@dataclass(frozen=True)
class Filing(Value):
    proposal_id: int
    category: Category
    severity: Severity
    note: str


def test_values_come_back_as_they_were_encoded():
    filing = Filing(7, Category.BILLING, Severity.URGENT, "colons: kept: as typed")
    assert filing.encode() == "7:billing:urgent:colons: kept: as typed"
    assert Filing.decode(filing.encode()) == filing
    assert NudgeRefs.decode(NudgeRefs((3, 5, 8)).encode()) == NudgeRefs((3, 5, 8))
    # The wire format of the simple values is the one earlier Tends wrote: their buttons keep working.
    assert (AccountRef.decode("12"), FlagRef.decode("40"), NudgeRefs.decode("1,2")) == (
        AccountRef(12),
        FlagRef(40),
        NudgeRefs((1, 2)),
    )


@pytest.mark.parametrize("wire", ["", "x", "-1", "1.5", "12:13"])
def test_a_value_that_does_not_decode_is_stale(wire):
    with pytest.raises(StaleValue):
        FlagRef.decode(wire)


@pytest.mark.parametrize("wire", ["7:billing", "7:refunds:urgent:x", "7:billing:soon:x", "seven:billing:urgent:x"])
def test_a_value_with_a_missing_or_unknown_part_is_stale(wire):
    with pytest.raises(StaleValue) as refused:
        Filing.decode(wire)
    assert refused.value.message == STALE
