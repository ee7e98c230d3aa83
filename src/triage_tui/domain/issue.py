"""Triage issues as the board and the detail pane see them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from triage_tui.domain.accounts import AccountScore
from triage_tui.domain.health import Health
from triage_tui.domain.history import WeekColour, trend_from_marks
from triage_tui.domain.labels import LabelReading, Region, read_label_set
from triage_tui.domain.team import not_members
from triage_tui.domain.template import TemplateFields, parse_description

#: A weekly update older than this many days is overdue (handbook rule 5).
UPDATE_OVERDUE_DAYS = 7


class IssueState(Enum):
    OPENED = "opened"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class IssueSummary:
    """What a card needs: read from narrow cache columns, never the description."""

    iid: int
    title: str
    state: IssueState
    labels: tuple[str, ...]
    renewal_date: date | None = None
    tam: str | None = None
    last_update_at: datetime | None = None
    pending_edits: int = 0
    failed_edits: int = 0
    missing_roles: int = 0
    no_leader: bool = False
    """The triage team has no TAM leader or CS manager/director."""
    salesforce_id: str = ""
    """The account id from the template's Salesforce URL ("" when missing or not one)."""
    created_at: datetime | None = None
    """When the issue was opened: the weekly clock starts then (see Card.update_overdue)."""
    account: AccountScore | None = None
    """The Salesforce account that id names, as cached (None: no id, or no such account
    cached: Salesforce not configured, or not synced yet)."""
    tam_member: bool | None = None
    """The TAM is a member of the project (GitLab refuses anyone else as an assignee, so
    such a TAM was dropped). None: no TAM, or no members cached to tell by."""
    health_marks: str = ""
    """The health history in its compact form (domain.history.history_marks); "" when
    none is known (label events not read yet, or no health label ever)."""


@dataclass(frozen=True, slots=True)
class IssueDetail:
    """Everything the detail pane shows about one issue."""

    summary: IssueSummary
    description: str
    assignees: tuple[str, ...]
    milestone: str | None
    due_date: date | None
    web_url: str
    created_at: datetime | None
    updated_at: datetime | None
    fields: TemplateFields = field(default_factory=TemplateFields)
    not_members: tuple[str, ...] = ()
    """People of the triage team who are not members of the project (GitLab does not
    take them as assignees); none when no members are cached to tell by."""

    @classmethod
    def build(
        cls,
        summary: IssueSummary,
        *,
        description: str,
        assignees: tuple[str, ...] = (),
        milestone: str | None = None,
        due_date: date | None = None,
        web_url: str = "",
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        members: Iterable[str] = (),
    ) -> IssueDetail:
        """`members`: the project's members' usernames (none: not known)."""
        fields = parse_description(description)
        return cls(
            summary=summary,
            description=description,
            assignees=assignees,
            milestone=milestone,
            due_date=due_date,
            web_url=web_url,
            created_at=created_at,
            updated_at=updated_at,
            fields=fields,
            not_members=not_members(fields.team.everyone, members),
        )


@dataclass(frozen=True, slots=True)
class Card:
    """A card on the board: an issue summary read against today's date."""

    summary: IssueSummary
    reading: LabelReading
    days_to_renewal: int | None
    days_since_update: int | None
    days_open: int | None = None
    """Days since the issue was opened (None: not known)."""
    days_since_score: int | None = None
    """Days since Salesforce's score was confirmed (None: no account, or no date)."""
    today: date | None = None
    """The day the card was read against (the trend's last week ends then)."""

    @property
    def iid(self) -> int:
        return self.summary.iid

    @property
    def health(self) -> Health | None:
        return self.reading.health

    @property
    def region(self) -> Region | None:
        return self.reading.region

    @property
    def is_new(self) -> bool:
        return self.reading.is_new

    @property
    def closed(self) -> bool:
        return self.summary.state is IssueState.CLOSED

    @property
    def update_overdue(self) -> bool:
        """No weekly update within UPDATE_OVERDUE_DAYS (handbook rule 5). The clock starts
        when the issue is opened: a new issue is not silent before its first week is out.
        One whose opening is not known and that has no update is taken as overdue: a
        silent account wrongly hidden costs more than one flagged on the ER call."""
        if self.closed:
            return False
        if self.days_since_update is not None:
            return self.days_since_update > UPDATE_OVERDUE_DAYS
        return self.days_open is None or self.days_open > UPDATE_OVERDUE_DAYS

    @property
    def red_without_leader(self) -> bool:
        """Rule 1: a Red account needs a TAM leader or CS director on its team."""
        return self.health is Health.RED and self.summary.no_leader and not self.closed

    @property
    def salesforce_differs(self) -> bool:
        """The open issue's health label is not its account's score in Salesforce (what
        the ER call's Mismatches list). An account with no score is no mismatch: there is
        nothing to differ from (the ER call lists it as NO SCORE, not here)."""
        account = self.summary.account
        return (
            account is not None
            and account.health is not None
            and self.health is not account.health
            and not self.closed
        )

    @property
    def trend(self) -> tuple[WeekColour, ...]:
        """The last weeks' colours, oldest first (domain.history.weekly_colours); () when
        no history is known. Worked out when a card is drawn, not when it is read: only
        the cards in view pay for it (and a memo keeps repaints free)."""
        if not self.summary.health_marks or self.today is None:
            return ()
        return trend_from_marks(self.summary.health_marks, self.today)

    @property
    def search_text(self) -> str:
        """Lower-cased text the board filter matches against."""
        parts = [iid_text(self.iid), self.summary.title, *self.summary.labels]
        if self.summary.tam:
            parts += [self.summary.tam, "@" + self.summary.tam]
        return " ".join(parts).lower()


def iid_text(iid: int) -> str:
    """ "#217"; "#new" for an issue not yet created on GitLab (a negative local number)."""
    return f"#{iid}" if iid > 0 else "#new"


def days_between(start: date, end: date) -> int:
    return (end - start).days


def make_card(summary: IssueSummary, today: date) -> Card:
    """Read a summary against today's date (time is passed in, never read here)."""
    renewal = summary.renewal_date
    updated = summary.last_update_at
    created = summary.created_at
    account = summary.account
    scored = account.health_date if account is not None else None
    # Positional and inline: this runs once per issue before the board's first paint.
    return Card(
        summary,
        read_label_set(summary.labels),
        (renewal - today).days if renewal is not None else None,
        max(0, (today - updated.date()).days) if updated is not None else None,
        max(0, (today - created.date()).days) if created is not None else None,
        max(0, (today - scored).days) if scored is not None else None,
        today,
    )
