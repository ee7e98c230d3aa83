"""Local edits to triage issues, and the rules for pushing them without losing anything.

An edit is recorded with the issue as the person saw it (its base). Before it is
pushed, the issue is read from GitLab again and compared field by field:

- every field the edit sets already holds the edit's value: it was applied (perhaps
  by an earlier push that was cut off before the outbox was updated), so it is done;
- a field the edit sets changed on the server since the base: a conflict, shown to
  the person with both versions; nothing is overwritten on either side;
- otherwise it is safe to send.

Labels are compared by family (health, region, churn class, ~New): moving Red to
Amber conflicts with someone having moved it to Yellow meanwhile, but not with
someone adding an unrelated label.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum

from triage_tui.domain.accounts import Account
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueState, iid_text
from triage_tui.domain.labels import NEW_LABEL, ChurnClass, Region
from triage_tui.domain.records import RemoteIssue
from triage_tui.domain.team import TriageTeam
from triage_tui.domain.template import (
    parse_description,
    replace_reason,
    replace_team,
    written_reason,
)


class EditKind(Enum):
    UPDATE = "update"  # change fields of an existing issue
    NOTE = "note"  # add a comment (a weekly update)
    CREATE = "create"  # open a new triage issue
    SALESFORCE_HEALTH = "salesforce-health"  # confirm or change an account's score in Salesforce


class EditState(Enum):
    PENDING = "pending"  # waiting to be pushed (or retried after a transient failure)
    FAILED = "failed"  # GitLab rejected it (403, 404, 422...): kept until retried or discarded
    CONFLICT = "conflict"  # the issue changed on GitLab meanwhile: the person decides
    DONE = "done"


#: Marks text the app created, so a push cut off after GitLab stored it is recognised and
#: never sent twice. An HTML comment: GitLab's Markdown renders it as nothing.
MARKER = "<!-- triage-tui:{uid} -->"


@dataclass(frozen=True, slots=True)
class Edit:
    """One change a person made. `None` means "leave this field alone"."""

    kind: EditKind
    iid: int
    uid: str
    """Unique id, also written into notes and new issues as MARKER for idempotency."""
    summary: str = ""
    """What the person did, in words ("Red → Amber: lost champion")."""
    add_labels: tuple[str, ...] = ()
    remove_labels: tuple[str, ...] = ()
    state: IssueState | None = None
    assignees: tuple[str, ...] | None = None
    assignee_ids: tuple[int, ...] | None = None
    milestone: str | None = None
    """Milestone title ("" clears it); `milestone_id` is what GitLab is sent."""
    milestone_id: int | None = None
    due_date: str | None = None
    """ISO date, or "" to clear."""
    description: str | None = None
    title: str | None = None
    body: str = ""
    """The note's text (NOTE)."""
    note: str = ""
    """UPDATE: a note posted with the change, as one unit (a health move and its reason):
    undone, discarded, retried and refused together, and posted only once the change is
    on GitLab, so a discarded or conflicting move never leaves its reason note behind."""
    team: TriageTeam | None = None
    """The triage team, written into the description's "Triage team" section at push
    time over GitLab's current description, so other changes to it are kept."""
    reason: str | None = None
    """The "Reason for Health Score" template field's new text (a health change), written
    into GitLab's current description at push time like the team."""
    account_id: str = ""
    """SALESFORCE_HEALTH: the account; `body` is the reason, `account_health` the score."""
    account_health: str = ""
    unmodified_since: str = ""
    """The account's LastModifiedDate when the person decided: a later change in
    Salesforce makes the write a conflict instead of overwriting it."""
    confirmed_on: str = ""
    """SALESFORCE_HEALTH: the ISO day the score was decided (the call's), sent as its date
    and in the reason's line, so a push retried on a later day writes the same thing
    ("" in an edit recorded before this existed: the day it is pushed)."""

    @property
    def marker(self) -> str:
        return MARKER.format(uid=self.uid)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """An edit waiting in (or finished with) the outbox."""

    id: int
    edit: Edit
    base: RemoteIssue | None
    """The issue as the person saw it when editing (None for a new issue)."""
    state: EditState
    author: str
    created_at: datetime
    error: str = ""
    attempts: int = 0
    remote: RemoteIssue | None = None
    """GitLab's version, kept when the push found a conflict (`error` says where)."""


# -- applying an edit locally ---------------------------------------------------------------


def _day(text: str, otherwise: date | None) -> date | None:
    """The edit's due date; one GitLab will reject anyway does not change the local view."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return otherwise


def merge_labels(
    labels: tuple[str, ...], add: tuple[str, ...], remove: tuple[str, ...]
) -> tuple[str, ...]:
    """Labels after removing `remove` and adding `add`, keeping order, case-insensitive."""
    gone = {name.lower() for name in remove}
    kept = [name for name in labels if name.lower() not in gone]
    have = {name.lower() for name in kept}
    return tuple(kept + [name for name in add if name.lower() not in have])


def merge_description(description: str, edit: Edit) -> str:
    """`description` with the edit's team section and reason field written into it."""
    if edit.team is not None:
        description = replace_team(description, edit.team)
    if edit.reason is not None:
        description = replace_reason(description, edit.reason)
    return description


def apply_account_edit(account: Account, edit: Edit, today: date) -> Account:
    """The account as it will be once a SALESFORCE_HEALTH edit is pushed: the score (the
    same one again just confirms it), confirmed `today` (the push's date)."""
    health = Health.parse(edit.account_health)
    return replace(
        account,
        health=health if health is not None else account.health,
        health_date=today,
        pending=True,
    )


def apply_edit(issue: RemoteIssue, edit: Edit) -> RemoteIssue:
    """The issue as it will be once the edit is pushed (shown at once, marked pending)."""
    if edit.kind is not EditKind.UPDATE:
        return issue
    changed = replace(issue, labels=merge_labels(issue.labels, edit.add_labels, edit.remove_labels))
    if edit.state is not None:
        changed = replace(changed, state=edit.state)
    if edit.assignees is not None:
        changed = replace(changed, assignees=edit.assignees)
    if edit.milestone is not None:
        changed = replace(
            changed, milestone=edit.milestone or None, milestone_id=edit.milestone_id or None
        )
    if edit.due_date is not None:
        changed = replace(changed, due_date=_day(edit.due_date, changed.due_date))
    if edit.description is not None:
        changed = replace(changed, description=edit.description)
    if edit.team is not None or edit.reason is not None:
        changed = replace(changed, description=merge_description(changed.description, edit))
    if edit.title is not None:
        changed = replace(changed, title=edit.title)
    return changed


# -- checking an edit against GitLab before pushing -----------------------------------------


def label_family(name: str) -> str:
    """Labels that exclude each other share a family; any other label is its own."""
    if name.strip().lower() == NEW_LABEL.lower():
        return "new"
    if Health.parse(name) is not None:
        return "health"
    if Region.parse(name) is not None:
        return "region"
    if ChurnClass.parse(name) is not None:
        return "churn"
    return "label:" + name.strip().lower()


def _canonical(name: str) -> str:
    """A known label as the project spells it ("red" and "Health::Red" are "Red")."""
    if name.strip().lower() == NEW_LABEL.lower():
        return NEW_LABEL
    known = Health.parse(name) or Region.parse(name) or ChurnClass.parse(name)
    return known.label if known is not None else name.strip()


def _family_labels(labels: tuple[str, ...], families: set[str]) -> set[str]:
    return {_canonical(name) for name in labels if label_family(name) in families}


def _fields(edit: Edit, issue: RemoteIssue) -> dict[str, tuple[object, object]]:
    """For each field the edit sets: (value on `issue`, the edit's value), comparable."""
    fields: dict[str, tuple[object, object]] = {}
    if edit.add_labels or edit.remove_labels:
        families = {label_family(n) for n in (*edit.add_labels, *edit.remove_labels)}
        want = merge_labels(issue.labels, edit.add_labels, edit.remove_labels)
        fields["labels"] = (
            _family_labels(issue.labels, families),
            _family_labels(want, families),
        )
    if edit.state is not None:
        fields["state"] = (issue.state, edit.state)
    if edit.assignees is not None:
        fields["assignees"] = (set(issue.assignees), set(edit.assignees))
    if edit.milestone is not None:
        fields["milestone"] = (issue.milestone or "", edit.milestone)
    if edit.due_date is not None:
        fields["due date"] = (
            issue.due_date.isoformat() if issue.due_date is not None else "",
            edit.due_date,
        )
    if edit.description is not None:
        fields["description"] = (issue.description.strip(), edit.description.strip())
    if edit.title is not None:
        fields["title"] = (issue.title, edit.title)
    if edit.team is not None:
        fields["team"] = (
            _team_text(parse_description(issue.description).team),
            _team_text(edit.team),
        )
    if edit.reason is not None:
        fields["reason"] = (
            parse_description(issue.description).reason,
            written_reason(edit.reason),
        )
    return fields


def _team_text(team: TriageTeam) -> str:
    return "; ".join(f"{role.value} {', '.join(people)}" for role, people in team.members.items())


def is_applied(edit: Edit, server: RemoteIssue) -> bool:
    """Every field the edit sets already holds its value on the server."""
    return all(have == want for have, want in _fields(edit, server).values())


def _shown(value: object) -> str:
    if isinstance(value, set):
        return ", ".join(sorted(str(v) for v in value)) or "none"
    if isinstance(value, Enum):
        return str(value.value)
    text = str(value) if value not in (None, "") else "none"
    return text if len(text) <= 60 else text[:57] + "…"


def conflicts(edit: Edit, base: RemoteIssue, server: RemoteIssue) -> tuple[str, ...]:
    """Fields the edit sets that someone changed on the server since `base`, each as
    "labels: you saw Red, GitLab now has Yellow". Empty when the push is safe."""
    seen = _fields(edit, base)
    found: list[str] = []
    for name, (now, want) in _fields(edit, server).items():
        before = seen[name][0]
        if now not in (before, want):
            mine, theirs = before, now
            if isinstance(before, set) and isinstance(now, set):
                # Only what differs: "you saw Red, GitLab now has Yellow", not every label.
                mine, theirs = before - now, now - before
            found.append(f"{name}: you saw {_shown(mine)}, GitLab now has {_shown(theirs)}")
    return tuple(found)


def keep_mine(edit: Edit, server: RemoteIssue) -> Edit:
    """The edit re-made over GitLab's version after a conflict, the person's side winning:
    labels GitLab gained in the families the edit sets are removed too (Red → Amber over
    a web change to Yellow removes Yellow). Other fields are absolute values already."""
    if not (edit.add_labels or edit.remove_labels):
        return edit
    families = {label_family(n) for n in (*edit.add_labels, *edit.remove_labels)}
    wanted = {_canonical(n) for n in edit.add_labels}
    extra = tuple(
        n
        for n in server.labels
        if label_family(n) in families
        and _canonical(n) not in wanted
        and n not in edit.remove_labels
    )
    return replace(edit, remove_labels=edit.remove_labels + extra)


#: What the outbox calls each state: `triage-tui outbox` and the board say the same.
STATE_WORDS = {
    EditState.PENDING: "waiting",
    EditState.FAILED: "refused",
    EditState.CONFLICT: "conflict",
    EditState.DONE: "sent",
}


@dataclass(frozen=True, slots=True)
class OutboxLine:
    """One outbox entry as shown, by the CLI in plain text and by the board styled."""

    state: EditState
    word: str
    where: str
    """The issue: "#217", or "#new" for one not created yet."""
    what: str
    when: datetime
    reasons: tuple[tuple[str, str], ...]
    """(label, line) below it: a conflict's "yours:", GitLab's or the last try's reason."""


def outbox_line(entry: OutboxEntry) -> OutboxLine:
    what = entry.edit.summary or entry.edit.kind.value
    reasons: list[tuple[str, str]] = []
    if entry.state is EditState.CONFLICT:
        reasons.append(("yours:", what))
    label = "last try:" if entry.state is EditState.PENDING else "GitLab:"
    reasons += [(label, line) for line in entry.error.splitlines() if line.strip()]
    return OutboxLine(
        entry.state,
        STATE_WORDS[entry.state],
        iid_text(entry.edit.iid),
        what,
        entry.created_at,
        tuple(reasons),
    )


def outbox_lines(entries: list[OutboxEntry]) -> list[str]:
    """Plain lines for `triage-tui outbox`: number, state, issue, when, what was done,
    and below it the reasons (see outbox_line, which the board's outbox draws too)."""
    lines: list[str] = []
    for entry in entries:
        shown = outbox_line(entry)
        lines.append(
            f"{entry.id:>5}  {shown.word:<8}  {shown.where:<7} "
            f"{shown.when:%Y-%m-%d %H:%M}  {shown.what}"
        )
        lines += [f"{'':>17}{label} {line}" for label, line in shown.reasons]
    return lines
