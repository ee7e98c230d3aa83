"""Records as the sources deliver them, after mapping and cleaning (see sync.mapping)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from triage_tui.domain.issue import IssueState


@dataclass(frozen=True, slots=True)
class RemoteIssue:
    """A GitLab issue, every text field already cleaned of control characters."""

    id: int
    iid: int
    title: str
    state: IssueState
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    description: str
    web_url: str
    created_at: datetime
    updated_at: datetime
    milestone: str | None = None
    milestone_id: int | None = None
    due_date: date | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    issue_iid: int
    author: str
    body: str
    created_at: datetime
    system: bool = False


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    username: str
    name: str


@dataclass(frozen=True, slots=True)
class LabelInfo:
    name: str
    color: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Milestone:
    id: int
    title: str
    state: str = "active"
    start_date: date | None = None
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class LabelEvent:
    """A GitLab resource label event: `author` added (or removed) `label` at `at`.

    `label` is the board's word for it (through the [labels] vocabulary), None when GitLab
    no longer has the label (it was deleted: GitLab then sends `"label": null`)."""

    id: int
    issue_iid: int
    at: datetime
    author: str
    label: str | None
    added: bool
