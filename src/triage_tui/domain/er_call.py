"""The weekly Customer Emergency Room call's checks ("The weekly ER call" in the handbook).

Each check is a pure function of the board's cards, the Salesforce accounts and
`today`, so the agenda a lead walks through is tested without a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from triage_tui.domain.accounts import Account
from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card

#: A score not confirmed within this many days is stale: cadence calls are at least
#: monthly, and the TAM refreshes the date after every call.
STALE_SCORE_DAYS = 31
#: "Large accounts without a TAM that renew within 90 days."
RENEWAL_WINDOW_DAYS = 90
DEFAULT_ARR_THRESHOLD = 100_000.0


def score_word(health: Health | None) -> str:
    """A Salesforce score in words: "Green", or "no score"."""
    return health.label if health is not None else "no score"


@dataclass(frozen=True, slots=True)
class Mismatch:
    card: Card
    account: Account

    @property
    def gitlab(self) -> str:
        return self.card.health.label if self.card.health is not None else "no health"

    @property
    def salesforce(self) -> str:
        return score_word(self.account.health)


@dataclass(frozen=True, slots=True)
class Agenda:
    """The call's sections, in the order the lead works through them."""

    new_issues: tuple[Card, ...] = ()
    missing_issues: tuple[Account, ...] = ()
    mismatches: tuple[Mismatch, ...] = ()
    renewals_without_tam: tuple[Account, ...] = ()
    stale_scores: tuple[Account, ...] = ()
    silent_issues: tuple[Card, ...] = ()
    unmatched_issues: tuple[Card, ...] = field(default=())
    """Open issues whose Salesforce URL is missing or names no known account."""
    salesforce: bool = True
    """Salesforce is there to check against (configured, or accounts cached). Without
    it no issue is listed or counted as having no account: the call says so instead."""

    def counts(self) -> dict[str, int]:
        return {
            "New at-risk": len(self.new_issues),
            "Missing issues": len(self.missing_issues),
            "Mismatches": len(self.mismatches) + len(self.unmatched_issues),
            "Renewals without TAM": len(self.renewals_without_tam),
            "Stale / silent": len(self.stale_scores) + len(self.silent_issues),
        }


def account_index(accounts: Iterable[Account]) -> dict[str, Account]:
    """Accounts by the first 15 characters of their id (15- and 18-char ids match)."""
    return {account.id[:15]: account for account in accounts}


def account_of(card: Card, index: dict[str, Account]) -> Account | None:
    sf_id = card.summary.salesforce_id
    return index.get(sf_id[:15]) if sf_id else None


def renewals_without_tam(
    accounts: Iterable[Account],
    today: date,
    *,
    arr_threshold: float = DEFAULT_ARR_THRESHOLD,
    regions: Sequence[str] = (),
) -> tuple[Account, ...]:
    """Large accounts (ARR at least the threshold) with no TAM renewing within 90 days,
    soonest first; `regions` narrows to those regions when given."""
    horizon = today + timedelta(days=RENEWAL_WINDOW_DAYS)
    wanted = {r.upper() for r in regions}
    found = [
        a
        for a in accounts
        if not a.tam
        and a.renewal_date is not None
        and today <= a.renewal_date <= horizon
        and (a.arr or 0) >= arr_threshold
        and (not wanted or a.region.upper() in wanted)
    ]
    return tuple(sorted(found, key=lambda a: (a.renewal_date, -(a.arr or 0))))


def build_agenda(
    cards: Iterable[Card],
    accounts: Iterable[Account],
    today: date,
    *,
    arr_threshold: float = DEFAULT_ARR_THRESHOLD,
    regions: Sequence[str] = (),
    salesforce: bool = True,
) -> Agenda:
    """`salesforce`: False when there is no Salesforce to check against (not configured,
    no accounts cached): then no issue counts as unmatched (Agenda.salesforce)."""
    accounts = list(accounts)
    index = account_index(accounts)
    open_cards = [c for c in cards if not c.closed]
    with_issue = {a.id[:15] for c in open_cards if (a := account_of(c, index)) is not None}
    mismatches: list[Mismatch] = []
    unmatched: list[Card] = []
    for card in open_cards:
        account = account_of(card, index)
        if account is None:
            unmatched.append(card)
        elif account.health is not None and card.health is not account.health:
            mismatches.append(Mismatch(card, account))
    stale_before = today - timedelta(days=STALE_SCORE_DAYS)
    return Agenda(
        new_issues=tuple(c for c in open_cards if c.is_new),
        missing_issues=tuple(
            sorted(
                (
                    a
                    for a in accounts
                    if a.health is not None and a.health.at_risk and a.id[:15] not in with_issue
                ),
                key=lambda a: (-(a.health if a.health is not None else Health.GREEN), a.name),
            )
        ),
        mismatches=tuple(mismatches),
        renewals_without_tam=renewals_without_tam(
            accounts, today, arr_threshold=arr_threshold, regions=regions
        ),
        stale_scores=tuple(
            a
            for a in accounts
            if a.id[:15] in with_issue and (a.health_date is None or a.health_date < stale_before)
        ),
        silent_issues=tuple(c for c in open_cards if c.update_overdue),
        unmatched_issues=tuple(unmatched) if salesforce else (),
        salesforce=salesforce,
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened on the call, for the summary the lead exports."""

    reviewed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    opened: tuple[str, ...] = ()

    def with_reviewed(self, line: str) -> Outcome:
        return Outcome((*self.reviewed, line), self.changed, self.opened)

    def with_changed(self, line: str) -> Outcome:
        return Outcome(self.reviewed, (*self.changed, line), self.opened)

    def with_opened(self, line: str) -> Outcome:
        return Outcome(self.reviewed, self.changed, (*self.opened, line))


def summary_markdown(agenda: Agenda, outcome: Outcome, today: date) -> str:
    """The call's outcome as Markdown, to paste into the running call notes."""

    def section(title: str, lines: Sequence[str]) -> list[str]:
        return [f"## {title}", "", *(f"- {line}" for line in lines or ["nothing"]), ""]

    counts = ", ".join(f"{name}: {count}" for name, count in agenda.counts().items())
    return "\n".join(
        [
            f"# Customer ER call, {today.isoformat()}",
            "",
            f"Agenda at the start: {counts}.",
            "",
            *section("Reviewed", outcome.reviewed),
            *section("Changed", outcome.changed),
            *section("Opened", outcome.opened),
            *section(
                "Still open after the call",
                [
                    *(f"#{c.iid} {c.summary.title}: still ~New" for c in agenda.new_issues),
                    *(
                        f"{a.name}: {score_word(a.health)} in Salesforce, no issue"
                        for a in agenda.missing_issues
                    ),
                    *(
                        f"#{m.card.iid} {m.card.summary.title}: GitLab {m.gitlab}, "
                        f"Salesforce {m.salesforce}"
                        for m in agenda.mismatches
                    ),
                ],
            ),
        ]
    )
