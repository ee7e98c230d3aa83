"""Every change a person makes, recorded in the outbox and pushed (a part of
TriageService, which delegates to it)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from triage_tui.domain.board import BoardKind, Column
from triage_tui.domain.edit import Edit, EditKind, EditState, OutboxEntry
from triage_tui.domain.issue import IssueDetail, iid_text
from triage_tui.domain.new_issue import NewIssueForm, build_new_issue
from triage_tui.domain.records import LabelInfo, Member, Milestone
from triage_tui.domain.sync_report import PushReport
from triage_tui.domain.team import TriageTeam
from triage_tui.domain.triage import (
    MoveDecision,
    MovePlan,
    MoveRefused,
    decided,
    plan_move,
    reason_note,
    review_labels,
    template_reason,
)
from triage_tui.services.holders import holder_gone, this_holder
from triage_tui.services.parts import Parts
from triage_tui.store import Cache
from triage_tui.store.outbox import local_issue
from triage_tui.sync.push import push

if TYPE_CHECKING:
    from triage_tui.sync.gitlab_source import GitLabSource
    from triage_tui.sync.salesforce_source import SalesforceSource


#: Finished outbox rows kept after a push (the newest ones; nothing reads them but a
#: person looking into the file): without a bound they piled up forever.
KEEP_FINISHED = 500


class EditCommands:
    """Edits: each is recorded locally first (shown at once, pending), then pushed."""

    def __init__(
        self,
        parts: Parts,
        *,
        gitlab: Callable[[], tuple[GitLabSource | None, str]],
        salesforce: Callable[[], tuple[SalesforceSource | None, str]],
    ) -> None:
        """`gitlab`, `salesforce`: the clients to push with, or why there is none."""
        self._cache = parts.cache
        self.user = parts.user
        self.today = parts.today
        self.now = parts.now
        self._gitlab = gitlab
        self._salesforce = salesforce
        self._push_lock = threading.Lock()

    def _detail(self, iid: int) -> IssueDetail | None:
        return self._cache().issue_detail(iid)

    def record(self, edit: Edit) -> int:
        """Keep an edit in the outbox and show it on the board at once (pending)."""
        return self._cache().record_edit(edit, author=self.user, now=self.now())

    def update(self, iid: int, summary: str, **changes: Any) -> int:
        """Record a change to an issue's fields (see Edit for their meaning)."""
        return self.record(Edit(EditKind.UPDATE, iid, uuid.uuid4().hex, summary, **changes))

    def add_note(self, iid: int, body: str, summary: str = "note") -> int:
        return self.record(Edit(EditKind.NOTE, iid, uuid.uuid4().hex, summary, body=body))

    def plan_move(self, iid: int, kind: BoardKind, target: Column) -> MovePlan:
        """What dropping issue `iid` into `target` changes (raises MoveRefused)."""
        detail = self._detail(iid)
        if detail is None:
            raise MoveRefused(f"{iid_text(iid)} is no longer in the cache.")
        return plan_move(
            iid=iid,
            labels=detail.summary.labels,
            state=detail.summary.state,
            kind=kind,
            target=target,
            team=detail.fields.team,
        )

    def decide_move(self, plan: MovePlan, decision: MoveDecision) -> MovePlan:
        """Record a planned move as the person answered its questions (reason, signals,
        churn class, leader: see triage.HealthQuestions), every path to a colour through
        here. Returns the move recorded. Raises ValueError when an answer the plan needs
        is missing (the dialogs check first, with triage.answer_problems)."""
        detail = self._detail(plan.iid)
        if detail is None:
            raise MoveRefused(f"{iid_text(plan.iid)} is no longer in the cache.")
        chosen = decided(
            plan,
            decision,
            labels=detail.summary.labels,
            team=detail.fields.team,
            assignees=detail.assignees,
        )
        self.move(chosen, decision.reason, decision.signals, decision.override_reason)
        return chosen

    def move(
        self,
        plan: MovePlan,
        reason: str = "",
        signals: tuple[str, ...] = (),
        override_reason: str = "",
    ) -> int:
        """Record a planned move as one edit: the label (and state) change with the
        template's "Reason for Health Score" rewritten (and the triage team, when a leader
        was named for it), and the reason as a note posted with it, so the issue's history
        says why its health changed. One unit: undo, discard, conflict and retry take the
        change, the leader and the note together. The ticked signals, what they suggested
        and the override reason go into both (triage.reason_note, template_reason)."""
        why = reason.strip() if plan.needs_reason else ""
        detail = self._detail(plan.iid)
        previous = detail.fields.reason if detail is not None else ""
        team: dict[str, Any] = {}
        if plan.team is not None:
            team["team"] = plan.team
        if plan.assignees is not None:
            team["assignees"] = plan.assignees
            team["assignee_ids"] = self._member_ids(plan.assignees)
        return self.update(
            plan.iid,
            plan.summary,
            add_labels=plan.add_labels,
            remove_labels=plan.remove_labels,
            state=plan.state,
            reason=template_reason(plan, why, signals, override_reason) if why else None,
            note=reason_note(plan, why, signals, previous, override_reason) if why else "",
            **team,
        )

    def toggle_reviewed(self, iid: int) -> str:
        """Remove ~New (reviewed), or put it back; returns what was done."""
        detail = self._detail(iid)
        if detail is None:
            return ""
        add, remove, summary = review_labels(detail.summary.labels)
        self.update(iid, summary, add_labels=add, remove_labels=remove)
        return summary

    def new_issue(self, form: NewIssueForm) -> int:
        """Open a triage issue from a checked form: shown at once with a local number,
        created on GitLab by the push (with its quarter's milestone, made if missing)."""
        issue = build_new_issue(form)
        cache = self._cache()
        local = cache.next_local_iid()
        cache.add_local_issue(local_issue(local, issue.title, issue.labels, issue.description))
        self.record(
            Edit(
                EditKind.CREATE,
                local,
                uuid.uuid4().hex,
                f"opened for {issue.title} ({issue.health.label})",
                add_labels=issue.labels,
                title=issue.title,
                description=issue.description,
                milestone=issue.milestone,
                milestone_id=self._milestone_id(issue.milestone),
                assignees=issue.assignees,
                assignee_ids=self._member_ids(issue.assignees),
            )
        )
        return local

    def set_milestone(self, iid: int, title: str) -> int:
        """Set (or, with "", clear) the milestone; one the project lacks is made on push."""
        summary = f"milestone {title}" if title else "milestone cleared"
        return self.update(iid, summary, milestone=title, milestone_id=self._milestone_id(title))

    def set_assignees(self, iid: int, usernames: tuple[str, ...]) -> int:
        shown = ", ".join(f"@{u}" for u in usernames) or "nobody"
        return self.update(
            iid, f"assignees {shown}", assignees=usernames, assignee_ids=self._member_ids(usernames)
        )

    def set_team(self, iid: int, team: TriageTeam, summary: str) -> int:
        """The triage team, into the description's team section and the assignees."""
        people = team.everyone
        return self.update(
            iid, summary, team=team, assignees=people, assignee_ids=self._member_ids(people)
        )

    def _member_ids(self, usernames: tuple[str, ...]) -> tuple[int, ...]:
        """GitLab's user ids for usernames, from the cached members, matched without case
        as GitLab does (unknown ones skipped: GitLab would refuse them; the card, the
        detail pane and the team screen say who is not a member)."""
        ids = {m.username.lower(): m.id for m in self._cache().members()}
        return tuple(ids[u.lower()] for u in usernames if u.lower() in ids)

    def _milestone_id(self, title: str) -> int | None:
        """The cached milestone's id; None for one the project lacks (made on push)."""
        return next((m.id for m in self._cache().milestones() if m.title == title), None)

    def set_due_date(self, iid: int, due: date | None) -> int:
        text = due.isoformat() if due else ""
        return self.update(iid, f"due date {text or 'cleared'}", due_date=text)

    def set_labels(self, iid: int, labels: tuple[str, ...]) -> int:
        """Make the issue's labels exactly `labels` (as add and remove, so a label added
        meanwhile on GitLab by someone else survives)."""
        detail = self._detail(iid)
        have = detail.summary.labels if detail else ()
        add = tuple(n for n in labels if n not in have)
        remove = tuple(n for n in have if n not in labels)
        words = [*(f"+{n}" for n in add), *(f"-{n}" for n in remove)]
        return self.update(iid, "labels " + " ".join(words), add_labels=add, remove_labels=remove)

    def milestones(self) -> list[Milestone]:
        return self._cache().milestones()

    def members(self) -> list[Member]:
        return self._cache().members()

    def labels(self) -> list[LabelInfo]:
        return self._cache().labels()

    def undo_last(self) -> OutboxEntry | None:
        """Take back this user's newest edit that is not on GitLab yet (None when there
        is none: a pushed edit is undone by a new edit)."""
        mine = [e for e in self.outbox() if e.author == self.user]
        if not mine:
            return None
        last = mine[-1]
        self.discard_edit(last.id)
        return last

    def push(self) -> PushReport:
        """Send this user's waiting edits to GitLab. Blocking: call it from a worker."""
        source, problem = self._gitlab()
        if source is None:
            return PushReport(error=problem, waiting=len(self.outbox()))
        accounts, _ = self._salesforce()
        return self.send_edits(source, self._cache(), accounts)

    def send_edits(
        self, source: GitLabSource, cache: Cache, accounts: SalesforceSource | None
    ) -> PushReport:
        """One push at a time from this cache, or an edit could be sent twice (a note
        posted twice, say): the lock keeps this process's threads apart, the cache's push
        lease the board and its sync child, or two boards on one file."""
        holder = this_holder(self.user)
        held = False

        def hold() -> str:  # renewed before each edit: a long push keeps it
            nonlocal held
            busy = cache.take_lease("push", holder, datetime.now(UTC), gone=holder_gone)
            held = held or not busy
            return busy

        with self._push_lock:
            try:
                # The service's clock, not the machine's: Salesforce's date is today's.
                report = push(
                    source,
                    cache,
                    author=self.user,
                    accounts=accounts,
                    today=self.today(),
                    hold=hold,
                )
            finally:
                if held:  # (nothing to send took no lease: no write to drop it)
                    cache.drop_lease("push", holder)
        if report.pushed:
            # Finished edits are history GitLab holds; each kept its whole description.
            cache.prune_outbox(KEEP_FINISHED)
        return report

    def outbox(self, states: Iterable[EditState] | None = None) -> list[OutboxEntry]:
        """Edits not yet settled (pending, failed, in conflict), oldest first."""
        return self._cache().outbox_entries(states)

    def outbox_counts(self) -> tuple[int, int]:
        """(edits waiting to be sent, edits refused or in conflict)."""
        return self._cache().outbox_counts()

    def retry_edit(self, entry_id: int) -> None:
        self._cache().retry_edit(entry_id)

    def discard_edit(self, entry_id: int) -> None:
        self._cache().discard_edit(entry_id)
