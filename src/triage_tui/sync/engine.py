"""The pull: GitLab into the cache, first in full, then incrementally.

The engine knows the cache only as a SyncSink (the store implements it), so the
sync layer never imports the store; services wires the two together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from triage_tui.domain.history import HealthChange, health_changes
from triage_tui.domain.issue import IssueState
from triage_tui.domain.records import LabelEvent, LabelInfo, Member, Milestone, Note, RemoteIssue
from triage_tui.domain.sync_report import CLOSED_NOTES, HISTORY, ISSUES, NOTES, SyncReport
from triage_tui.sync.errors import describe

#: Re-read this much before the stored cursor: clocks and commits at the boundary
#: must never make an update fall between two syncs.
OVERLAP = timedelta(minutes=5)
#: A full pass this often catches deleted and moved issues, which `updated_after` misses.
FULL_EVERY = timedelta(hours=24)
#: Issues whose label events were never read, read per pull besides the changed ones.
#: GitLab has no bulk form of the list (a request an issue): a first sync of 10,000 issues
#: reading all of them took 8.5x its issues phase. Capped, the history fills in over the
#: next pulls (the board's, every sync_interval), open and recently changed issues first.
BACKFILL = 1000
#: The notes still owed are written down after this many issues' notes (and at the end).
OWED_EVERY = 100


class IssueSource(Protocol):
    url: str

    def issue_pages(self, updated_after: datetime | None = None) -> Iterable[list[RemoteIssue]]: ...
    def issues_by_iid(self, iids: list[int]) -> list[RemoteIssue]: ...
    def notes_for(self, iids: list[int]) -> Iterable[list[Note]]: ...
    def label_events_for(self, iids: list[int]) -> Iterable[list[LabelEvent]]:
        """Each issue's label events, one list per issue in the order of `iids`."""
        ...

    def labels(self) -> list[LabelInfo]: ...
    def milestones(self) -> list[Milestone]: ...
    def members(self) -> list[Member]: ...


class SyncSink(Protocol):
    def sync_cursor(self) -> tuple[datetime | None, datetime | None]:
        """(newest updated_at seen, time of the last full pass)."""
        ...

    def changed_issues(self, issues: list[RemoteIssue]) -> list[int]:
        """iids among `issues` that are new or whose updated_at differs from the cache."""
        ...

    def store_issues(self, issues: list[RemoteIssue]) -> None: ...
    def store_notes(self, notes: list[Note]) -> None: ...
    def notes_owed(self) -> list[int]:
        """Issues (still in the cache) whose notes an earlier pull did not finish fetching."""
        ...

    def owe_notes(self, iids: list[int]) -> None:
        """Remember the issues whose notes are still to fetch, in case this pull is cut off."""
        ...

    def history_owed(self) -> list[int]:
        """Issues (still in the cache) whose label events an earlier pull did not fetch."""
        ...

    def owe_history(self, iids: list[int]) -> None: ...
    def history_unread(self, limit: int | None) -> list[int]:
        """Issues whose label events were never read (up to `limit`), most wanted first."""
        ...

    def reason_notes(self, iids: list[int]) -> dict[int, list[Note]]:
        """The cached notes of these issues that may record a health move's reason."""
        ...

    def store_health_history(self, histories: dict[int, tuple[HealthChange, ...]]) -> None:
        """Replace each issue's health history (one write transaction)."""
        ...

    def store_project_meta(
        self, labels: list[LabelInfo], milestones: list[Milestone], members: list[Member]
    ) -> None: ...
    def issues_not_in(self, iids: set[int]) -> list[int]:
        """Cached GitLab issues (positive iids) outside `iids`."""
        ...

    def remove_issues_except(self, iids: set[int], *, kept_since: datetime | None = None) -> int:
        """Drop cached GitLab issues outside `iids`, keeping those updated at `kept_since`
        or later (stored while the pass ran) and new ones not yet created."""
        ...

    def finish_sync(self, report: SyncReport) -> None: ...


Progress = Callable[[str, int, int | None], None]
"""(phase, done, total): phases ISSUES, then NOTES, then CLOSED_NOTES, then HISTORY."""


def _quiet(phase: str, done: int, total: int | None) -> None:
    return None


def _when(moment: datetime | None) -> datetime:
    return moment if moment is not None else datetime.min.replace(tzinfo=UTC)


def pull(
    source: IssueSource,
    sink: SyncSink,
    *,
    now: datetime,
    full: bool | None = None,
    progress: Progress = _quiet,
) -> SyncReport:
    """Pull issues (then notes of changed issues, labels, milestones, members) into the sink.

    `now` is when the pass began. A full pass then drops the cached issues GitLab no
    longer has: those it did not list, once GitLab confirms it has none of them, and
    never one stored since the pass began (give or take OVERLAP for the clocks).

    Never raises for network or server failures: they come back as `report.error`, and
    what was already stored stays stored (each page is its own transaction).
    """
    cursor, last_full = sink.sync_cursor()
    if full is None:
        full = cursor is None or last_full is None or now - last_full > FULL_EVERY
    since = None if full else (cursor - OVERLAP if cursor else None)
    newest = cursor
    seen: set[int] = set()
    closed: set[int] = set()
    changed: list[int] = []
    count = 0
    history_of = 0
    try:
        owed = sink.notes_owed()
        history_owed = sink.history_owed()

        def store(issues: list[RemoteIssue]) -> None:
            # The notes (and label events) of a changed issue are owed before the issue is
            # stored: once stored, it no longer shows as changed, and a pull cut off before
            # the notes phase (a later page failed) would leave its notes behind for good.
            new = sink.changed_issues(issues)
            if new:
                changed.extend(new)
                sink.owe_notes(list(dict.fromkeys(owed + changed)))
                sink.owe_history(list(dict.fromkeys(history_owed + changed)))
            sink.store_issues(issues)

        for page in source.issue_pages(updated_after=since):
            store(page)
            seen.update(issue.iid for issue in page)
            count += len(page)
            for issue in page:
                if newest is None or issue.updated_at > newest:
                    newest = issue.updated_at
                # (The last word: an issue reopened while the pull ran is seen twice.)
                if issue.state is IssueState.CLOSED:
                    closed.add(issue.iid)
                else:
                    closed.discard(issue.iid)
            progress(ISSUES, count, None)
        if full:
            # Cached issues the pass did not list: deleted or moved, or passed over (with
            # offset pages, a deletion shifts every row behind it up a place). Ask GitLab
            # for them by iid; the ones it still has are kept, as it has them now.
            still = source.issues_by_iid(sink.issues_not_in(seen))
            if still:
                store(still)
                seen.update(issue.iid for issue in still)
                newest = max([newest, *(issue.updated_at for issue in still)], key=_when)
                closed.update(issue.iid for issue in still if issue.state is IssueState.CLOSED)
        # The notes of changed issues, and of those an earlier pull was cut off before (the
        # issue itself is stored already, so it no longer shows as changed).
        todo = list(dict.fromkeys(changed + sink.notes_owed()))
        sink.owe_notes(todo)
        _pull_notes(source, sink, todo, closed, progress)
        sink.owe_notes([])
        # After the notes, which give the changes their reasons.
        history_of = _pull_history(source, sink, changed, progress)
        sink.store_project_meta(source.labels(), source.milestones(), source.members())
        removed = sink.remove_issues_except(seen, kept_since=now - OVERLAP) if full else 0
    except Exception as error:  # every failure becomes data in the report
        report = SyncReport(
            full=full,
            issues=count,
            changed=len(set(changed)),
            error=describe(error, source.url),
            cursor=cursor,
            finished_at=now,
        )
        sink.finish_sync(report)
        return report
    report = SyncReport(
        full=full,
        issues=count,
        # (An issue changed twice while the pull ran is on two pages: counted once.)
        changed=len(set(changed)),
        notes_of=len(todo),
        history_of=history_of,
        removed=removed,
        cursor=newest,
        finished_at=now,
    )
    sink.finish_sync(report)
    return report


def _pull_notes(
    source: IssueSource, sink: SyncSink, todo: list[int], closed: set[int], progress: Progress
) -> None:
    """The notes of the issues in `todo`, the open ones first."""
    fetched: set[int] = set()
    # The open issues' notes first, since the board shows their last update. In a
    # project some years old most issues are closed, and the board is right long
    # before their notes are in.
    for phase, iids in (
        (NOTES, [iid for iid in todo if iid not in closed]),
        (CLOSED_NOTES, [iid for iid in todo if iid in closed]),
    ):
        # Stored OWED_EVERY issues at a time, one transaction each: with notes in bulk
        # (GraphQL) a write per issue would cost more than fetching them. Notes not yet
        # stored when a pull is cut off are still owed, so the next pull gets them.
        waiting: list[Note] = []
        try:
            for done, notes in enumerate(source.notes_for(iids), start=1):
                waiting += notes
                fetched.add(iids[done - 1])
                if done % OWED_EVERY == 0 or done == len(iids):
                    sink.store_notes(waiting)
                    waiting = []
                    sink.owe_notes([iid for iid in todo if iid not in fetched])
                progress(phase, done, len(iids))
        except Exception:
            # What came before the failure is kept, so a pull that keeps being cut
            # off (a flaky network) still gets further each time.
            sink.store_notes(waiting)
            sink.owe_notes([iid for iid in todo if iid not in fetched])
            raise


def _pull_history(
    source: IssueSource, sink: SyncSink, wanted: list[int], progress: Progress
) -> int:
    """The health history of the `wanted` issues and of those an earlier pull still owes,
    from their label events, with the reasons from their cached notes; stored OWED_EVERY
    issues a transaction. What is not stored when the pull is cut off stays owed.
    Returns how many issues' history was read.

    `wanted`: the changed issues (a label change bumps updated_at); besides them, up to
    BACKFILL never read. (A label deleted from the project changes no issue's updated_at: its
    events stay as read until the issue next changes.)"""
    # Never read (every issue of a first sync, which are all "changed"): BACKFILL of
    # them, the rest in later pulls. Read before: again when changed or left owed.
    unread = sink.history_unread(None)
    never = set(unread)
    again = [iid for iid in wanted + sink.history_owed() if iid not in never]
    todo = list(dict.fromkeys(again + unread[:BACKFILL]))
    sink.owe_history(todo)
    waiting: dict[int, list[LabelEvent]] = {}
    done = 0

    def flush() -> None:
        if not waiting:
            return
        notes = sink.reason_notes(list(waiting))
        sink.store_health_history(
            {iid: health_changes(events, notes.get(iid, [])) for iid, events in waiting.items()}
        )
        waiting.clear()
        sink.owe_history(todo[done:])

    try:
        for events in source.label_events_for(todo):
            waiting[todo[done]] = events
            done += 1
            if done % OWED_EVERY == 0 or done == len(todo):
                flush()
            progress(HISTORY, done, len(todo))
    except Exception:
        flush()
        raise
    sink.owe_history([])
    return len(todo)
