"""The weekly Customer Emergency Room call's checks ("The weekly ER call" in the handbook).

Each check is a pure function of the board's cards, the Salesforce accounts and
`today`, so the agenda a lead walks through is tested without a terminal.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import Enum
from typing import TypeVar

from triage_tui.domain.accounts import Account
from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card, iid_text

#: A score not confirmed within this many days is stale: cadence calls are at least
#: monthly, and the TAM refreshes the date after every call.
STALE_SCORE_DAYS = 31
#: "Large accounts without a TAM that renew within 90 days."
RENEWAL_WINDOW_DAYS = 90
DEFAULT_ARR_THRESHOLD = 100_000.0

_T = TypeVar("_T")


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


def account_of(card: Card, index: Mapping[str, Account]) -> Account | None:
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
    found = [
        a
        for a in accounts
        if not a.tam
        and a.renewal_date is not None
        and today <= a.renewal_date <= horizon
        and _in(a, arr_threshold, regions)
    ]
    return tuple(sorted(found, key=lambda a: (a.renewal_date, -(a.arr or 0))))


def score_age(account: Account, today: date) -> int | None:
    """Days since the account's score was last confirmed (None: never)."""
    if account.health_date is None:
        return None
    return max(0, (today - account.health_date).days)


def _in(account: Account, arr_threshold: float, regions: Sequence[str]) -> bool:
    """The ER call's filters: ARR at least the threshold, and one of `regions` if given."""
    wanted = {r.upper() for r in regions}
    return (account.arr or 0) >= arr_threshold and (not wanted or account.region.upper() in wanted)


def stale_scores(
    accounts: Iterable[Account],
    today: date,
    *,
    arr_threshold: float = 0.0,
    regions: Sequence[str] = (),
) -> tuple[Account, ...]:
    """Every account whose score was not confirmed within STALE_SCORE_DAYS, with an issue
    or not: a stale Green or Yellow is exactly what hides an at-risk account from the
    missing-issue check. Oldest first (never confirmed before all), then the larger ARR."""
    found = [
        a
        for a in accounts
        if (age := score_age(a, today)) is None or age > STALE_SCORE_DAYS
        if _in(a, arr_threshold, regions)
    ]
    return tuple(
        sorted(
            found,
            key=lambda a: (
                a.health_date is not None,
                a.health_date if a.health_date is not None else date.min,
                -(a.arr or 0),
                a.name,
            ),
        )
    )


def _at_risk(account: Account) -> bool:
    return account.health is not None and account.health.at_risk


def _missing_order(account: Account) -> tuple[int, str, str]:
    # Red first, then by name; the id orders accounts of one name the same every time.
    return (
        -(account.health if account.health is not None else Health.GREEN),
        account.name,
        account.id,
    )


def _mismatched(card: Card, account: Account) -> bool:
    return account.health is not None and card.health is not account.health


def build_agenda(
    cards: Iterable[Card],
    accounts: Iterable[Account],
    today: date,
    *,
    arr_threshold: float = DEFAULT_ARR_THRESHOLD,
    regions: Sequence[str] = (),
    stale_arr_threshold: float = 0.0,
    stale_regions: Sequence[str] = (),
    salesforce: bool = True,
) -> Agenda:
    """The call's sections. `arr_threshold` and `regions` narrow the renewals without a
    TAM (section 4), `stale_arr_threshold` and `stale_regions` the stale scores (5).
    `salesforce`: False when there is no Salesforce to check against (not configured,
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
        elif _mismatched(card, account):
            mismatches.append(Mismatch(card, account))
    return Agenda(
        new_issues=tuple(c for c in open_cards if c.is_new),
        missing_issues=tuple(
            sorted(
                (a for a in accounts if _at_risk(a) and a.id[:15] not in with_issue),
                key=_missing_order,
            )
        ),
        mismatches=tuple(mismatches),
        renewals_without_tam=renewals_without_tam(
            accounts, today, arr_threshold=arr_threshold, regions=regions
        ),
        stale_scores=stale_scores(
            accounts, today, arr_threshold=stale_arr_threshold, regions=stale_regions
        ),
        silent_issues=tuple(c for c in open_cards if c.update_overdue),
        unmatched_issues=tuple(unmatched) if salesforce else (),
        salesforce=salesforce,
    )


def agenda_with_card(
    agenda: Agenda,
    cards: Sequence[Card],
    before: Card | None,
    after: Card | None,
    index: Mapping[str, Account],
) -> Agenda:
    """`agenda` (build_agenda's, from the cards with `before` as one issue's card) with
    that card now `after` (None: gone); `cards` as they are now, that issue's card in its
    place. What build_agenda gives for `cards`, without looking up every card's account
    again after one edit (~0.3 s at 50,000, on each review on the call). `index`: the
    accounts' account_index, each account's id unique in its first 15 characters (as
    Salesforce's are)."""
    changed = after if after is not None else before
    if changed is None:
        return agenda
    iid = changed.iid
    positions: dict[int, int] = {}

    def position(card: Card) -> int:
        # (Read once and only if a card goes where it was not: ~40 ms at 50,000.)
        if not positions:
            positions.update((c.iid, n) for n, c in enumerate(cards))
        return positions[card.iid]

    now = after if after is not None and not after.closed else None
    account = account_of(now, index) if now is not None else None

    def placed(
        section: tuple[_T, ...], card: Callable[[_T], Card], item: _T | None
    ) -> tuple[_T, ...]:
        # A section lists its cards in the cards' order: this one leaves it, and goes
        # back in at its place if it belongs there now (where it was, if it was there).
        at = next((n for n, entry in enumerate(section) if card(entry).iid == iid), None)
        if at is not None:
            rest = (item,) if item is not None else ()
            return (*section[:at], *rest, *section[at + 1 :])
        if item is None:
            return section
        kept = list(section)
        insort(kept, item, key=lambda entry: position(card(entry)))
        return tuple(kept)

    def itself(card: Card) -> Card:
        return card

    def when(wanted: bool) -> Card | None:
        return now if now is not None and wanted else None

    missing = list(agenda.missing_issues)
    had = account_of(before, index) if before is not None and not before.closed else None
    if account is not None:  # its account has an open issue now
        missing = [a for a in missing if a.id[:15] != account.id[:15]]
    if had is not None and _at_risk(had) and (account is None or account.id[:15] != had.id[:15]):
        key = had.id[:15]
        if not any(
            c.iid != iid and not c.closed and (c.summary.salesforce_id or "")[:15] == key
            for c in cards
        ):
            insort(missing, had, key=_missing_order)
    return replace(
        agenda,
        new_issues=placed(agenda.new_issues, itself, when(now is not None and now.is_new)),
        missing_issues=tuple(missing),
        mismatches=placed(
            agenda.mismatches,
            lambda m: m.card,
            Mismatch(now, account)
            if now is not None and account is not None and _mismatched(now, account)
            else None,
        ),
        silent_issues=placed(
            agenda.silent_issues, itself, when(now is not None and now.update_overdue)
        ),
        unmatched_issues=placed(
            agenda.unmatched_issues, itself, when(agenda.salesforce and account is None)
        ),
    )


@dataclass(frozen=True, slots=True)
class CallInputs:
    """What opening the call needs beyond the cards, read ahead: the accounts, by id
    too, and the agenda with the call's default filters (at 50,000 issues reading the
    accounts and building the agenda took ~1 s when the call was opened)."""

    accounts: list[Account]
    index: Mapping[str, Account]
    agenda: Agenda

    @classmethod
    def of(cls, accounts: list[Account], agenda: Agenda) -> CallInputs:
        return cls(accounts, account_index(accounts), agenda)

    def with_card(
        self, cards: Sequence[Card], before: Card | None, after: Card | None
    ) -> CallInputs:
        """After an edit of one card (see agenda_with_card)."""
        return replace(self, agenda=agenda_with_card(self.agenda, cards, before, after, self.index))


class ActionKind(Enum):
    """What was done on the call, as the summary groups it."""

    REVIEWED = "reviewed"  # ~New removed
    CHANGED = "changed"  # a health label or a Salesforce score put right
    OPENED = "opened"  # a triage issue opened for an account without one
    CONFIRMED = "confirmed"  # a score confirmed in Salesforce (its date refreshed)


#: The summary's headings, in its order.
_HEADINGS = {
    ActionKind.REVIEWED: "Reviewed",
    ActionKind.CHANGED: "Changed",
    ActionKind.OPENED: "Opened",
    ActionKind.CONFIRMED: "Scores confirmed",
}


@dataclass(frozen=True, slots=True)
class CallAction:
    """One thing done on the call, as the record keeps it."""

    at: datetime
    author: str
    kind: ActionKind
    text: str
    """What was done, without the issue's number ("Initech Corp: Red → Amber (why)")."""
    iid: int = 0
    """The issue it was done to, as it is numbered now (a new issue's real number once
    GitLab has created it, negative until then); 0 for an account alone."""

    def line(self) -> str:
        return f"{iid_text(self.iid)} {self.text}" if self.iid else self.text


@dataclass(frozen=True, slots=True)
class ERCall:
    """The weekly call as a record: started when the lead opens it, every action done in
    it, ended explicitly. Kept in the cache, so leaving the screen, a restart or a crash
    resumes the same call with its tally."""

    id: int
    started_at: datetime
    started_by: str
    counts_at_start: Mapping[str, int]
    actions: tuple[CallAction, ...] = ()
    ended_at: datetime | None = None

    def done(self, kind: ActionKind) -> tuple[CallAction, ...]:
        return tuple(a for a in self.actions if a.kind is kind)

    def tally(self) -> str:
        """ "2 reviewed, 1 changed, 0 opened, 1 confirmed"."""
        return ", ".join(f"{len(self.done(kind))} {kind.value}" for kind in ActionKind)


def _counts_line(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in counts.items())


def summary_markdown(call: ERCall, agenda: Agenda, today: date) -> str:
    """The call's record as Markdown, to paste into the running call notes: the agenda
    as it stood when the call started, what was done, and what the agenda still holds."""

    def section(title: str, lines: Sequence[str]) -> list[str]:
        return [f"## {title}", "", *(f"- {line}" for line in lines or ["nothing"]), ""]

    started = call.started_at.strftime("%H:%M")
    ended = (
        f", ended {call.ended_at.strftime('%H:%M')}"
        if call.ended_at is not None
        else " (still in progress)"
    )
    return "\n".join(
        [
            f"# Customer ER call, {call.started_at.date().isoformat()}",
            "",
            f"Started {started} by @{call.started_by}{ended}.",
            "",
            f"Agenda at the start: {_counts_line(call.counts_at_start)}.",
            "",
            f"Agenda now ({today.isoformat()}): {_counts_line(agenda.counts())}.",
            "",
            *(
                line
                for kind, title in _HEADINGS.items()
                for line in section(title, [a.line() for a in call.done(kind)])
            ),
            *section("Still open after the call", still_open(agenda)),
        ]
    )


def still_open(agenda: Agenda) -> list[str]:
    """What the agenda still asks of the team, a line each."""
    return [
        *(f"{iid_text(c.iid)} {c.summary.title}: still ~New" for c in agenda.new_issues),
        *(
            f"{a.name}: {score_word(a.health)} in Salesforce, no issue"
            for a in agenda.missing_issues
        ),
        *(
            f"{iid_text(m.card.iid)} {m.card.summary.title}: GitLab {m.gitlab}, "
            f"Salesforce {m.salesforce}"
            for m in agenda.mismatches
        ),
    ]
