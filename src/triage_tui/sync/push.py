"""The push: local edits from the outbox to GitLab, in order, never lost, never doubled.

For each waiting edit the issue is read back from GitLab first (see
triage_tui.domain.edit): an edit already there is marked done without sending it
again, one whose fields changed on GitLab meanwhile becomes a conflict for the
person to settle, and only the rest is sent. Notes and new issues carry a marker,
so one whose request reached GitLab before the app was killed is found, not re-sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Protocol

from triage_tui.domain.accounts import Account, reason_line
from triage_tui.domain.edit import (
    Edit,
    EditKind,
    OutboxEntry,
    conflicts,
    is_applied,
    merge_description,
)
from triage_tui.domain.health import Health
from triage_tui.domain.milestone import bounds_of_title
from triage_tui.domain.records import Note, RemoteIssue
from triage_tui.domain.sync_report import PushReport
from triage_tui.sync.errors import (
    SalesforceConflict,
    SyncError,
    describe,
    describe_salesforce,
    is_rejection,
    is_salesforce_rejection,
)

#: A new issue cut off mid-create is looked for among those its author opened since the
#: edit was recorded, less this: the laptop's clock and GitLab's may disagree.
CLOCK_MARGIN = timedelta(hours=1)


class IssueWriter(Protocol):
    url: str

    def issue(self, iid: int) -> RemoteIssue: ...
    def update_issue(self, iid: int, edit: Edit) -> RemoteIssue: ...
    def create_issue(self, edit: Edit) -> RemoteIssue: ...
    def find_issue(self, marker: str, created_after: datetime) -> RemoteIssue | None: ...
    def create_note(self, iid: int, body: str) -> Note: ...
    def find_note(self, iid: int, marker: str) -> Note | None: ...
    def ensure_milestone(self, title: str, bounds: tuple[date, date] | None) -> int: ...


class AccountWriter(Protocol):
    """Salesforce, for health scores the ER call confirms (see SalesforceSource)."""

    def update_health(
        self,
        account_id: str,
        health: Health,
        health_date: date,
        reason: str,
        *,
        unmodified_since: str,
    ) -> Account: ...


class OutboxSink(Protocol):
    def edits_to_push(self, author: str) -> list[OutboxEntry]: ...
    def finish_edit(
        self, entry_id: int, server: RemoteIssue | None, note: Note | None = None
    ) -> None: ...
    def fail_edit(self, entry_id: int, error: str) -> None: ...
    def conflict_edit(self, entry_id: int, error: str, remote: RemoteIssue | None) -> None: ...
    def defer_edit(self, entry_id: int, error: str) -> None: ...
    def store_accounts(self, accounts: list[Account], *, replace_all: bool = False) -> None: ...


class NoSalesforce(SyncError):
    """A Salesforce edit with no Salesforce configured: it waits, visibly, for the person."""


def _iso_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _push_account(
    accounts: AccountWriter | None, sink: OutboxSink, entry: OutboxEntry, today: date
) -> bool:
    edit = entry.edit
    health = Health.parse(edit.account_health)
    if accounts is None or health is None:
        raise NoSalesforce(
            "Salesforce is not configured here ([salesforce] in the config and credentials "
            "in the environment or keyring): the score was not sent."
        )
    # The day the score was decided, not the day the push got through: a retry writes the
    # same date and the same reason line, which the writer then recognises as written.
    day = _iso_day(edit.confirmed_on)
    day = day if day is not None else today
    line = reason_line(day, entry.author, edit.body)
    try:
        account = accounts.update_health(
            edit.account_id, health, day, line, unmodified_since=edit.unmodified_since
        )
    except SalesforceConflict as conflict:
        sink.conflict_edit(entry.id, str(conflict), None)
        sink.store_accounts([conflict.current])
        return False
    sink.finish_edit(entry.id, None)
    sink.store_accounts([account])
    return True


def _push_one(
    writer: IssueWriter,
    sink: OutboxSink,
    entry: OutboxEntry,
    accounts: AccountWriter | None,
    today: date,
) -> bool:
    """Send one edit. False when it became a conflict. Raises on a failed request."""
    edit = entry.edit
    if edit.kind is EditKind.SALESFORCE_HEALTH:
        return _push_account(accounts, sink, entry, today)
    if edit.milestone and not edit.milestone_id:
        # A quarter the project has no milestone for yet (a renewal far ahead): create it.
        milestone_id = writer.ensure_milestone(edit.milestone, bounds_of_title(edit.milestone))
        edit = replace(edit, milestone_id=milestone_id)
    if edit.kind is EditKind.CREATE:
        # An earlier attempt may have been cut off after GitLab created the issue.
        since = entry.created_at - CLOCK_MARGIN
        created = writer.find_issue(edit.marker, since) or writer.create_issue(edit)
        sink.finish_edit(entry.id, created)
        return True
    if edit.kind is EditKind.NOTE:
        sink.finish_edit(entry.id, None, _post_once(writer, edit, edit.body))
        return True
    server = writer.issue(edit.iid)
    if not is_applied(edit, server):
        found = conflicts(edit, entry.base, server) if entry.base is not None else ()
        if found:
            sink.conflict_edit(entry.id, "\n".join(found), server)
            return False
        if edit.team is not None or edit.reason is not None:
            # Merge: the team section and the reason go into GitLab's description as it is.
            edit = replace(edit, description=merge_description(server.description, edit))
        server = writer.update_issue(edit.iid, edit)
    # The change is on GitLab (sent now, or by an attempt cut off before its answer): only
    # then its note, once. A note that fails leaves the edit pending; the next attempt
    # finds the change applied and posts the note alone.
    note = _post_once(writer, edit, edit.note) if edit.note else None
    sink.finish_edit(entry.id, server, note)
    return True


def _post_once(writer: IssueWriter, edit: Edit, body: str) -> Note:
    """Post `body` as a note of the edit's issue, unless an earlier attempt did (its marker)."""
    marked = f"{body.rstrip()}\n\n{edit.marker}"
    return writer.find_note(edit.iid, edit.marker) or writer.create_note(edit.iid, marked)


def push(
    writer: IssueWriter,
    sink: OutboxSink,
    *,
    author: str,
    accounts: AccountWriter | None = None,
    today: date | None = None,
    hold: Callable[[], str] = lambda: "",
) -> PushReport:
    """Push `author`'s waiting edits. Never raises for network or server trouble.

    A rejected edit (GitLab said no) is marked failed with GitLab's message and holds
    back later edits of the same issue; a transient failure (offline, 5xx, 429, expired
    token) stops the push, leaving everything pending for the next try.

    `hold` is asked before each edit: it keeps this push the only one sending from the
    outbox (a lease on a shared cache) and names who else is pushing when it cannot;
    the push then stops and leaves the rest to them.
    """
    pushed = failed = conflicted = 0
    attempted: set[int] = set()
    touched: set[int] | None = set()
    while True:
        # Re-read each time: a created issue moves its later edits to its real iid.
        ready = [
            e
            for e in sink.edits_to_push(author)
            # A negative iid is a new issue not created yet: its edits wait for it.
            if e.id not in attempted and (e.edit.iid >= 0 or e.edit.kind is EditKind.CREATE)
        ]
        if not ready:
            break
        if busy := hold():
            return PushReport(
                pushed, failed, conflicted, len(ready), touched=_sorted(touched), busy=busy
            )
        entry = ready[0]
        attempted.add(entry.id)
        if entry.edit.kind in (EditKind.CREATE, EditKind.SALESFORCE_HEALTH):
            touched = None
        elif touched is not None:
            touched.add(entry.edit.iid)
        try:
            if _push_one(
                writer, sink, entry, accounts, today if today is not None else date.today()
            ):
                pushed += 1
            else:
                conflicted += 1
        except Exception as error:  # every failure becomes data, as in the pull
            salesforce = entry.edit.kind is EditKind.SALESFORCE_HEALTH
            message = describe_salesforce(error) if salesforce else describe(error, writer.url)
            rejected = is_salesforce_rejection(error) if salesforce else is_rejection(error)
            if rejected or isinstance(error, NoSalesforce):
                sink.fail_edit(entry.id, message)
                failed += 1
                continue
            sink.defer_edit(entry.id, message)
            return PushReport(pushed, failed, conflicted, len(ready), message, _sorted(touched))
    return PushReport(pushed, failed, conflicted, touched=_sorted(touched))


def _sorted(iids: set[int] | None) -> tuple[int, ...] | None:
    return tuple(sorted(iids)) if iids is not None else None
