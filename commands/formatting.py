"""How numbers, dates and trends read in replies, whatever the platform."""

from __future__ import annotations

from decimal import Decimal

from bot.accounts.status import HealthTrend
from bot.flags.lists import FlagLine

SPARK = "▁▂▃▄▅▆▇█"


def money(amount: Decimal | None) -> str:
    if amount is None:
        return "not recorded"
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"


def sparkline(points: tuple[int, ...], min_span: int = 20) -> str:
    """Health points drawn as bars, scaled to their own range (at least `min_span` points tall)."""
    if not points:
        return ""
    low, high = min(points), max(points)
    if high - low < min_span:
        low = max(0, min(low - (min_span - (high - low)) // 2, 100 - min_span))
        high = low + min_span
    return "".join(SPARK[(p - low) * (len(SPARK) - 1) // (high - low)] for p in points)


def health(trend: HealthTrend) -> str:
    if trend.score is None:
        return "not scored"
    if trend.change is None:
        return f"{trend.score}/100 (no history yet)"
    arrow = "▲" if trend.change > 0 else "▼" if trend.change < 0 else "▶"
    sign = f"+{trend.change}" if trend.change > 0 else f"−{-trend.change}" if trend.change < 0 else "±0"
    return f"{trend.score}/100 {arrow} {sign} in 30 days  {sparkline(trend.points)}"


def flag_line(line: FlagLine) -> str:
    """One flag in a list: number, category, severity and where it stands."""
    if line.status == "resolved":
        state = f"resolved by {line.assignee_name or 'someone'}: {line.outcome or 'no outcome given'}"
    elif line.status == "taken":
        state = f"taken by {line.assignee_name}"
    else:
        state = "open, nobody has taken it" + (" (past its SLA)" if line.overdue else "")
    team = f" · {line.team_name}" if line.team_name else ""
    return f"#{line.flag_id} {line.account_name} · {line.category} · {line.severity} · {state}{team}"
