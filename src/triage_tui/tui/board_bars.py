"""The board's two bars, each a widget of reactive fields that draws itself: the title
(which board, how many issues, the filter) and the status line (what needs the person,
where the cards come from, what the last sync and push said). Whoever learns a fact sets
its field; the bar redraws once for all the fields set in one go."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from triage_tui.domain.board import BoardKind
from triage_tui.domain.sync_report import counted
from triage_tui.tui.format import WithHint
from triage_tui.tui.keys import key_text


class TitleBar(Static):
    kind: reactive[BoardKind] = reactive(BoardKind.COLOURS)
    total = reactive(0)
    closed = reactive(False)
    """Closed issues are counted too."""
    filter_text = reactive("")

    def render(self) -> WithHint:
        title = Content.assemble(
            (" triage-tui ", "bold reverse"),
            (f" {self.kind.value} board ", "bold"),
            f"· {counted(self.total, 'issue' if self.closed else 'open issue')}",
            (f" · filter: {self.filter_text}" if self.filter_text else "", "$accent"),
        )
        # The hint goes when it does not fit whole (a filter, a narrow terminal).
        switch, keys = key_text(self.screen, "board.switch"), key_text(self.screen, "app.help")
        hint = Content.styled(f"  ({switch}: switch board · {keys}: keys)", "$text-muted")
        return WithHint(title, hint)


class StatusBar(Static):
    source = reactive("")
    """Where the cards come from, and how fresh they are."""
    last_error = reactive("")
    """The last sync's error, as the cache keeps it."""
    read_only = reactive(False)
    """A follower of `triage-tui serve`: it knows before pressing an edit key."""
    needs = reactive(0)
    """Edits refused or in conflict: the person decides."""
    waiting = reactive(0)
    pushed_by = reactive("")
    """Another board or sync on this cache sending the waiting edits ("user@host:pid")."""
    mismatch = reactive("")
    """The settings sync another project than this cache's."""
    sync_status = reactive("")
    push_status = reactive("")

    def render(self) -> Content:
        needs, waiting = self.needs, self.waiting
        verb = "needs" if needs == 1 else "need"
        outbox = key_text(self.screen, "outbox.open")
        decide = f"✗ {counted(needs, 'edit')} {verb} you ({outbox}) · " if needs else ""
        # What needs the person comes first: a long source name must not push it off.
        return Content.assemble(
            (" ● ", "$success" if not self.last_error else "$error"),
            ("read-only, following · " if self.read_only else "", "bold $warning"),
            (decide, "bold $error"),
            (f"⧗ {counted(waiting, 'edit')} waiting" if waiting else "", "$warning"),
            # (Tried again after it: see tui.edit_hub.)
            (f" ({self.pushed_by} pushing)" if waiting and self.pushed_by else "", "$warning"),
            (" · " if waiting else "", "$warning"),
            self.source,
            (f" · ⚠ {self.mismatch}" if self.mismatch else "", "bold $warning"),
            (f" · {self.sync_status}" if self.sync_status else "", "$accent"),
            (f" · {self.push_status}" if self.push_status else "", "$text-muted"),
            (f" · error: {self.last_error}" if self.last_error else "", "$error"),
        )
