"""The app's edits once recorded: said, shown where they are seen, pushed to GitLab.

Every screen that records an edit (the board, the ER call, the notes, the team and the
outbox) says so with one call, `hub(self).edited(...)`; the push worker, its retry timer
and what the last push said live here, on the app, not on any screen. Screens that
show edits subscribe to `news` and refresh themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.message import Message
from textual.signal import Signal

from triage_tui.domain.edit import EditState
from triage_tui.domain.sync_report import PushReport, retry_delay
from triage_tui.tui.one_at_a_time import OneAtATime

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.timer import Timer

    from triage_tui.services import TriageService

PLACED_AT_MOST = 50
"""More cards changed than this by one push: all are read again (one read of each would
take longer than reading every card)."""


@dataclass(frozen=True, slots=True)
class EditNews:
    """What this app's own edits changed, for the screens that show it. (Another
    process's commits reach the board through the cache's data_version instead.)"""

    iids: tuple[int, ...] | None = ()
    """The issues whose cards changed: () none, None not these alone (read every card)."""
    pushed: PushReport | None = None
    """Set when a push ended (a notes screen drops its "waiting" marks, say)."""


class PushFinished(Message):
    """Posted to the app by the push thread."""

    def __init__(self, report: PushReport | None, error: str = "") -> None:
        self.report = report
        self.error = error
        """The push raised (not a GitLab answer, which comes as the report): why."""
        super().__init__()


class EditHub:
    """Edits after they are recorded: one push at a time (an edit made during one goes
    in the next), retried after a failure with a growing delay."""

    def __init__(self, app: App[Any], service: TriageService) -> None:
        self.app = app
        self.service = service
        self.status = ""
        """What the last edit or push said, for the status line."""
        self.pushed_by = ""
        """Who else was pushing this cache's edits at the last push ("user@host:pid")."""
        self.news: Signal[EditNews] = Signal(app, "edit-news")
        self.pushes = OneAtATime()
        self._retry: Timer | None = None

    def edited(self, what: str, iid: int | None = None) -> None:
        """An edit was recorded (`iid`: of that issue alone; None: any card may have
        changed, a new issue say): shown, then pushed."""
        self.status = f"saved {what}"
        self.changed(iid)
        self.push()

    def changed(self, iid: int | None) -> None:
        """A change that is not pushed (an undo, a discarded edit): shown."""
        self.news.publish(EditNews(iids=(iid,) if iid is not None else None))

    def push(self) -> None:
        """Push now (one push at a time; asked during one, another follows it)."""
        if problem := self.service.push_problem():
            # Demo data or no GitLab configured: the edit stays in the outbox, visibly.
            self.status = problem
            self.news.publish(EditNews())
            return
        if not self.pushes.ask():
            return
        if self._retry is not None:
            self._retry.stop()
            self._retry = None
        self.app.run_worker(self._push_thread, thread=True, group="push", exit_on_error=False)

    def _push_thread(self) -> None:
        # python-gitlab blocks: a thread, reporting back only by message.
        try:
            message = PushFinished(self.service.push())
        except Exception as error:  # a disk full, a bug: "pushing" must not stay set
            message = PushFinished(None, str(error))
        self.app.post_message(message)

    def finished(self, message: PushFinished) -> None:
        """The push thread's report (TriageApp routes PushFinished here)."""
        again = self.pushes.finished()
        report = message.report
        if report is None:
            self.status = f"push failed: {message.error}"
        else:
            self.status = report.summary() if (report.pushed or report.error) else ""
            self.pushed_by = report.busy
        if again:
            self.push()
        elif report is not None and (report.error or report.busy):
            # (busy: tried again too, in case that other push stops short.)
            waiting = self.service.outbox([EditState.PENDING])
            attempts = max((e.attempts for e in waiting), default=1)
            self._retry = self.app.set_timer(retry_delay(attempts), self.push)
        # The cards the push changed, one by one (a full read was ~2 s at 50,000 after
        # every edit); all of them when it cannot say which.
        touched = report.touched if report is not None else ()
        if touched is not None and len(touched) > PLACED_AT_MOST:
            touched = None
        self.news.publish(EditNews(iids=touched, pushed=report or PushReport()))


class _WithEdits(Protocol):
    edits: EditHub


def hub(node: DOMNode) -> EditHub:
    """The app's EditHub (TriageApp.edits), from any of its screens or widgets."""
    return cast(_WithEdits, node.app).edits
