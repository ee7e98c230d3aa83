"""The overview a lead looks at: where the risk is, what renews when, who went quiet.

Counted from the open cards alone, as the board has them (no query of its own). ARR is
Salesforce's (the system of record, domain.md): a card whose account has no ARR in the
cache is counted, and said to be of unknown ARR, never taken as 0 silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card
from triage_tui.domain.labels import Region
from triage_tui.domain.milestone import milestone_title

#: Worst first, as a lead reads risk; None is "no health" (no label, or two).
HEALTHS: tuple[Health | None, ...] = (Health.RED, Health.AMBER, Health.YELLOW, Health.GREEN, None)
#: Amber or Red is at risk (domain.md, "Health scores").
AT_RISK = frozenset({Health.RED, Health.AMBER})
#: The Region board's columns, then the issues with no region (or two).
REGIONS: tuple[Region | None, ...] = (*Region, None)
#: Quarters shown one by one from the current one; later renewals are summed.
QUARTERS = 4


@dataclass(frozen=True, slots=True)
class Tally:
    """Open issues, and the ARR of those whose account's ARR is known."""

    count: int = 0
    arr: float = 0.0
    arr_unknown: int = 0
    """Issues counted in `count` whose ARR is not known."""

    def add(self, card: Card) -> Tally:
        account = card.summary.account
        arr = account.arr if account is not None else None
        if arr is None:
            return Tally(self.count + 1, self.arr, self.arr_unknown + 1)
        return Tally(self.count + 1, self.arr + arr, self.arr_unknown)


@dataclass(frozen=True, slots=True)
class Overview:
    by_cell: dict[tuple[Region | None, Health | None], Tally] = field(default_factory=dict)
    """(region, health) -> tally, for every pair (empty ones too)."""
    renewals: tuple[tuple[str, dict[Health | None, int]], ...] = ()
    """(label, count by health) per row: past due, the next QUARTERS quarters, later,
    no renewal date."""
    overdue: dict[Health | None, int] = field(default_factory=dict)
    """Open issues with no weekly update within UPDATE_OVERDUE_DAYS, by health."""
    total: int = 0

    def health_total(self, health: Health | None) -> Tally:
        return _sum(self.by_cell[(region, health)] for region in REGIONS)

    def region_total(self, region: Region | None) -> Tally:
        return _sum(self.by_cell[(region, health)] for health in HEALTHS)

    def at_risk(self) -> Tally:
        """Red and Amber together, in every region (and none)."""
        return _sum(self.by_cell[(r, h)] for r in REGIONS for h in AT_RISK)

    def region_risk(self, region: Region | None) -> Tally:
        """Red and Amber together in `region` (None: the issues with no region)."""
        return _sum(self.by_cell[(region, h)] for h in AT_RISK)


def _sum(tallies: Iterable[Tally]) -> Tally:
    count, arr, unknown = 0, 0.0, 0
    for tally in tallies:
        count, arr, unknown = count + tally.count, arr + tally.arr, unknown + tally.arr_unknown
    return Tally(count, arr, unknown)


def quarter_labels(today: date) -> tuple[str, ...]:
    """The current quarter's milestone title and the next QUARTERS - 1 ones."""
    year, quarter = today.year, (today.month - 1) // 3
    labels = []
    for step in range(QUARTERS):
        index = quarter + step
        labels.append(milestone_title(date(year + index // 4, index % 4 * 3 + 1, 1)))
    return tuple(labels)


PAST_DUE = "renewal past"
LATER = "later"
NO_DATE = "no renewal date"


def renewal_row(card: Card, today: date, quarters: Sequence[str]) -> str:
    """Which renewals row a card is counted in."""
    renewal = card.summary.renewal_date
    if renewal is None:
        return NO_DATE
    if renewal < today:
        return PAST_DUE
    title = milestone_title(renewal)
    return title if title in quarters else LATER


def overview(cards: Iterable[Card], today: date) -> Overview:
    """The overview of the open ones among `cards`."""
    cells = {(region, health): Tally() for region in REGIONS for health in HEALTHS}
    quarters = quarter_labels(today)
    rows = (PAST_DUE, *quarters, LATER, NO_DATE)
    renewals: dict[str, dict[Health | None, int]] = {row: dict.fromkeys(HEALTHS, 0) for row in rows}
    overdue: dict[Health | None, int] = dict.fromkeys(HEALTHS, 0)
    total = 0
    for card in cards:
        if card.closed:
            continue
        total += 1
        key = (card.region, card.health)
        cells[key] = cells[key].add(card)
        renewals[renewal_row(card, today, quarters)][card.health] += 1
        if card.update_overdue:
            overdue[card.health] += 1
    return Overview(cells, tuple((row, renewals[row]) for row in rows), overdue, total)


def money(amount: float) -> str:
    """ARR as a lead reads it: $950, $12.3k, $4.5M, $1.2B."""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(amount) >= size * 0.99995:  # (999,950 is "$1.0M", not "$1000.0k")
            return f"${amount / size:.1f}{unit}"
    return f"${amount:.0f}"
